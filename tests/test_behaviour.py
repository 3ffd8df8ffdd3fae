"""Run golden cases before and after conversion under real Twisted and compare behaviour.

A golden case is runnable when its before.py defines module-level `scenario*(clock, log)`
functions returning a Deferred. Both before.py and after.py are imported as separate modules
and each scenario is driven by `twisted.internet.task.Clock` (no real reactor): the results,
the exceptions (type and args) and the order of the side effects the code appends to `log`
must be identical. The driver adds ("time", t) to the log at every clock advance and
("fired", ...) when the scenario's Deferred fires, so overlap and ordering are visible.

The scenarios run in one child process (this file run as a script). Importing
`twisted.internet.base` leaves a zope `__provides__` descriptor on `abc.ABC` that breaks
libcst's codemod visitors, so the pytest process, where txasync rewrites code, never
imports Twisted's reactor machinery itself.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from behaviour_driver import SCENARIO, Run
from helpers import OLD_TWISTED, old_twisted_python

GOLDEN = Path(__file__).parent / "golden"
DRIVER = Path(__file__).parent / "behaviour_driver.py"


def _runnable() -> list[tuple[str, str]]:
    found = []
    for case in sorted(p.parent for p in GOLDEN.rglob("before.py")):
        for name in SCENARIO.findall((case / "before.py").read_text(encoding="utf-8")):
            found.append((case.relative_to(GOLDEN).as_posix(), name))
    return found


RUNNABLE = _runnable()


def _drive(python: str, pairs: list[list[str]], tmp: Path) -> dict[tuple[str, str, str], Run]:
    """Run the scenarios in a child `python` (stdlib + Twisted: see behaviour_driver.py).

    Importing `twisted.internet.base` leaves a zope `__provides__` descriptor on `abc.ABC`
    that breaks libcst's codemod visitors, so the pytest process, where txasync rewrites
    code, never imports Twisted's reactor machinery itself."""
    pairs_path, out = tmp / "pairs.json", tmp / "runs.pickle"
    pairs_path.write_text(json.dumps(pairs), encoding="utf-8")
    proc = subprocess.run([python, str(DRIVER), str(pairs_path), str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    with open(out, "rb") as handle:
        raw = pickle.load(handle)
    return {k: Run(**v) for k, v in raw.items()}


# -- the tests (pytest process) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], Run]:
    pairs = [[case, name, str(GOLDEN / case / "before.py"), str(GOLDEN / case / "after.py")]
             for case, name in RUNNABLE]
    return _drive(sys.executable, pairs, tmp_path_factory.mktemp("behaviour"))


def both(runs: dict[tuple[str, str, str], Run], case: str, name: str = "scenario"
         ) -> tuple[Run, Run]:
    before, after = runs[case, name, "before"], runs[case, name, "after"]
    assert not before.problem, before.problem
    assert not after.problem, after.problem
    return before, after


@pytest.mark.parametrize(("case", "name"), [pytest.param(c, n, id=f"{c}:{n}")
                                             for c, n in RUNNABLE])
def test_same_behaviour(runs: dict[tuple[str, str, str], Run], case: str, name: str) -> None:
    before, after = both(runs, case, name)
    assert after.outcome == before.outcome
    assert after.log == before.log
    assert after.logged_errors == before.logged_errors
    assert not after.unawaited
    assert not before.unawaited


# -- the same scenarios on an old Twisted (22.4: before 22.8 and 24.7) -------------------------
# Each before.py is converted again for a project whose minimum is 22.4 (the conversion differs:
# more wraps, keep-API where Twisted does not await coroutines yet) and both run under real
# Twisted 22.4 in its own venv.

OLD = (22, 4)


@pytest.fixture(scope="module")
def old_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], Run]:
    python = old_twisted_python()
    if python is None:
        pytest.skip(f"no Python with Twisted {OLD_TWISTED} could be made (offline?)")
    sys.path.insert(0, str(Path(__file__).parent))
    from dataclasses import replace

    from test_golden import load_case

    tmp = tmp_path_factory.mktemp("behaviour_old")
    pairs = []
    for case_name, name in RUNNABLE:
        case = load_case(GOLDEN / case_name)
        config = replace(case.config, twisted_version=OLD)
        after = tmp / case_name / "after.py"
        if not after.exists():
            from txasync.engine import fix_text

            after.parent.mkdir(parents=True, exist_ok=True)
            text, _ = fix_text(case.before, path=str(GOLDEN / case_name / "before.py"),
                               config=config)
            after.write_text(text, encoding="utf-8")
        pairs.append([case_name, name, str(GOLDEN / case_name / "before.py"), str(after)])
    return _drive(python, pairs, tmp)


@pytest.mark.parametrize(("case", "name"), [pytest.param(c, n, id=f"{c}:{n}")
                                             for c, n in RUNNABLE])
def test_same_behaviour_on_old_twisted(old_runs: dict[tuple[str, str, str], Run], case: str,
                                       name: str) -> None:
    before, after = old_runs[case, name, "before"], old_runs[case, name, "after"]
    if before.problem:
        pytest.skip(f"the scenario itself does not run on Twisted {OLD_TWISTED}: "
                    f"{before.problem}")
    assert not after.problem, after.problem
    assert after.outcome == before.outcome
    assert after.log == before.log
    assert after.logged_errors == before.logged_errors
    assert not after.unawaited


def test_enough_scenarios() -> None:
    assert len(RUNNABLE) >= 12, RUNNABLE
    cases = {c for c, _ in RUNNABLE}
    converted = {c for c in cases
                 if "async def" in (GOLDEN / c / "after.py").read_text(encoding="utf-8")}
    assert len(converted) >= 12, sorted(converted)


# -- properties the generic comparison must not hide --------------------------------------
# Each check below looks at the *after* run (test_same_behaviour shows the before run is the
# same) and makes sure the scenario really exercises the point it is there for.


def _index(log: list[Any], entry: Any) -> int:
    assert entry in log, (entry, log)
    return log.index(entry)


def test_stored_calls_run_concurrently(runs: dict) -> None:
    _, after = both(runs, "caller_stored_concurrent")
    log = after.log
    # b starts before a ends, and b (shorter delay) ends first: they overlap.
    assert _index(log, ("start", "b")) < _index(log, ("end", "a"))
    assert _index(log, ("end", "b")) < _index(log, ("end", "a"))
    assert after.outcome == ("ok", ["A", "B", "C"])


def test_fire_and_forget_starts_at_once_and_completes_later(runs: dict) -> None:
    _, after = both(runs, "caller_fire_and_forget")
    log = after.log
    assert _index(log, ("audit start", "e1")) < _index(log, ("event seen", "e1"))
    assert _index(log, ("audit start", "h1")) < _index(log, ("handled", "h1"))
    assert _index(log, ("handle done", "h1")) < _index(log, ("audit done", "h1"))
    assert _index(log, ("fired", "ok")) < _index(log, ("audit done", "h1"))


def test_call_later_target_runs(runs: dict) -> None:
    _, after = both(runs, "callback_references")
    ticks = [e for e in after.log if isinstance(e, tuple) and e[0] in ("tick", "tock")]
    assert ticks == [("tick", 1), ("tock", 1), ("tick", 2), ("tock", 2)]
    assert after.outcome == ("ok", None)
    assert 11 in after.log  # step's result reached the next callback


def test_plain_yielded_values_come_back(runs: dict) -> None:
    _, after = both(runs, "yield_plain_values")
    assert ("x", 5) in after.log
    assert ("pair", ["Deferred", "Deferred"]) in after.log
    assert ("text", {"k": 5}, None) in after.log
    assert after.outcome == ("ok", 2)


def test_yield_or_precedence(runs: dict) -> None:
    _, after = both(runs, "yield_precedence")
    assert after.outcome == ("ok", [("fb", None, ("fb", None)),
                                    ("p", "fb", ("p", "fb")),
                                    (7, 7, (7, 7))])
    _, awaited = both(runs, "yield_precedence_await")
    assert awaited.outcome == ("ok", (4, 5, 7))


def test_return_value_in_try_except(runs: dict) -> None:
    _, after = both(runs, "txa003/returnvalue_try_except")
    assert after.outcome == ("ok", ["aa", None])
    assert ("missing", ("missing",)) in after.log
    _, error = both(runs, "txa003/returnvalue_try_except", "scenario_error")
    assert error.outcome[:2] == ("err", "TypeError")
    assert ("other", None) in error.log and ("finally", None) in error.log


def test_add_callback_caller(runs: dict) -> None:
    _, after = both(runs, "caller_add_callback")
    assert after.outcome == ("ok", [None, 10])  # log.append was the last callback on d
    assert 7 in after.log
    assert ("failed", ("negative", -1)) in after.log


def test_gather_results_caller(runs: dict) -> None:
    _, after = both(runs, "caller_gather")
    begins = [e for e in after.log if e[0] == "begin"]
    assert begins == [("begin", 3), ("begin", 1), ("begin", 2), ("begin", 4), ("begin", 5)]
    assert _index(after.log, ("begin", 5)) < _index(after.log, ("end", 1))
    assert after.outcome == ("ok", [[9, 1], [(True, 4)], [16, 25]])


def test_looping_call_runs_each_iteration(runs: dict) -> None:
    for case in ("looping_call_22_4", "looping_call_26_10"):
        _, after = both(runs, case)
        assert after.outcome == ("ok", 4)
        assert [e for e in after.log if e[0] == "polled"] == [("polled", n) for n in range(1, 5)]
