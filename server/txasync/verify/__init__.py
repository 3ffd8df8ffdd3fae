"""`txasync fix --verify`: every conversion proven by the project's own tests.

`_runtime.py` records each test's outcome inside the test processes (and tells the probe's
runtime which test runs), `outcomes.py` reads those records, `runner.py` runs the test
command once, `bisect.py` finds the conversions that change an outcome (pure logic),
`verdicts.py` keeps what was found for the planner, and `orchestrate.py` puts it together
with the engine; `cli.py` is the command line.
"""
