"""`txasync probe`: evidence from the project's own test run about what each yield sees.

`run.py` starts the test command with the probe on PYTHONPATH, `_runtime.py` records inside
each Python process (standard library only: it runs in the project's interpreter), and
`merge.py` combines the per-process records with txasync's static facts into the evidence
file that `txasync.analysis.evidence` reads.
"""
