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

import gc
import importlib.util
import inspect
import pickle
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden"
SCENARIO = re.compile(r"^def (scenario\w*)\(clock, log\):", re.M)


def _runnable() -> list[tuple[str, str]]:
    found = []
    for case in sorted(p for p in GOLDEN.iterdir() if (p / "before.py").is_file()):
        for name in SCENARIO.findall((case / "before.py").read_text(encoding="utf-8")):
            found.append((case.name, name))
    return found


RUNNABLE = _runnable()


@dataclass
class Run:
    outcome: tuple[Any, ...]
    log: list[Any]
    logged_errors: list[str]
    unawaited: list[str]
    problem: str = ""  # the driver could not run the scenario (not a Deferred, never fired)


# -- the driver (runs in the child process) ---------------------------------------------------


def _load(case: str, which: str) -> ModuleType:
    path = GOLDEN / case / f"{which}.py"
    spec = importlib.util.spec_from_file_location(f"txasync_golden_{case}_{which}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _describe_error(exc: BaseException) -> tuple[str, tuple[Any, ...]]:
    # Exception classes defined in the case differ between the two modules: compare names.
    return type(exc).__qualname__, exc.args


def drive(module: ModuleType, name: str, max_steps: int = 10_000) -> Run:
    """Run one scenario to quiescence on a fresh Clock."""
    from twisted.internet import defer, task
    from twisted.logger import globalLogPublisher
    from twisted.python.failure import Failure

    clock = task.Clock()
    log: list[Any] = []
    outcome: list[tuple[Any, ...]] = []
    logged_errors: list[str] = []
    problem = ""

    def observer(event: dict[str, Any]) -> None:
        failure = event.get("log_failure")
        if isinstance(failure, Failure):
            logged_errors.append(type(failure.value).__qualname__)

    globalLogPublisher.addObserver(observer)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fn = getattr(module, name)
            try:
                result = fn(clock, log)
            except Exception as exc:  # a synchronous raise is an outcome too
                outcome.append(("raised", *_describe_error(exc)))
                result = None
            if inspect.iscoroutine(result):
                # Only a scenario that was itself converted may hand back a coroutine.
                if not inspect.iscoroutinefunction(fn):
                    problem = f"{name} returned a coroutine"
                result = defer.ensureDeferred(result)
            if result is not None and not isinstance(result, defer.Deferred):
                problem = f"{name} returned {result!r}, not a Deferred"
            elif result is not None:

                def ok(value: Any) -> None:
                    outcome.append(("ok", value))
                    log.append(("fired", "ok"))

                def err(failure: Failure) -> None:
                    outcome.append(("err", *_describe_error(failure.value)))
                    log.append(("fired", "err"))

                result.addCallbacks(ok, err)
            for _ in range(max_steps):
                calls = clock.getDelayedCalls()
                if not calls:
                    break
                clock.advance(max(0.0, min(c.getTime() for c in calls) - clock.seconds()))
                log.append(("time", clock.seconds()))
            else:
                problem = f"{name}: still scheduling calls after {max_steps} steps"
            del result
            gc.collect()
        unawaited = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)
                     and "never awaited" in str(w.message)]
    finally:
        globalLogPublisher.removeObserver(observer)
    if not outcome and not problem:
        problem = f"{name}: the Deferred never fired"
    return Run(outcome[0] if outcome else (), log, logged_errors, unawaited, problem)


def _child_main(out_path: str) -> None:
    runs: dict[tuple[str, str, str], Run] = {}
    for case, name in RUNNABLE:
        for which in ("before", "after"):
            try:
                runs[case, name, which] = drive(_load(case, which), name)
            except BaseException as exc:  # report, keep going with the other scenarios
                runs[case, name, which] = Run((), [], [], [], f"{type(exc).__name__}: {exc}")
            try:
                pickle.dumps(runs[case, name, which].__dict__)
            except Exception as exc:
                runs[case, name, which] = Run((), [], [], [], f"results not picklable: {exc}")
    with open(out_path, "wb") as handle:
        pickle.dump({k: v.__dict__ for k, v in runs.items()}, handle)


# -- the tests (pytest process) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], Run]:
    out = tmp_path_factory.mktemp("behaviour") / "runs.pickle"
    proc = subprocess.run([sys.executable, __file__, str(out)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    with open(out, "rb") as handle:
        raw = pickle.load(handle)
    return {k: Run(**v) for k, v in raw.items()}


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
    _, after = both(runs, "returnvalue_try_except")
    assert after.outcome == ("ok", ["aa", None])
    assert ("missing", ("missing",)) in after.log
    _, error = both(runs, "returnvalue_try_except", "scenario_error")
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


if __name__ == "__main__":
    _child_main(sys.argv[1])
