"""Drive golden-case scenarios under real Twisted, in a child process (stdlib + Twisted only).

`python tests/behaviour_driver.py PAIRS.json OUT.pickle` runs every scenario named in
PAIRS.json (a list of [case, scenario, before.py, after.py]) from both files on a fresh
`twisted.internet.task.Clock` and pickles one `Run` per (case, scenario, "before"|"after").
It imports nothing but the standard library and Twisted, so any Python with Twisted installed
(an old release included) can run it; `tests/test_behaviour.py` compares the runs.
"""

from __future__ import annotations

import gc
import importlib.util
import inspect
import json
import pickle
import re
import sys
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

SCENARIO = re.compile(r"^def (scenario\w*)\(clock, log\):", re.M)


@dataclass
class Run:
    outcome: tuple[Any, ...]
    log: list[Any]
    logged_errors: list[str]
    unawaited: list[str]
    problem: str = ""  # the driver could not run the scenario (not a Deferred, never fired)


def _load(case: str, which: str, path: str) -> ModuleType:
    name = case.replace("/", "__")  # a rule's cases sit in a folder of their own
    spec = importlib.util.spec_from_file_location(f"txasync_golden_{name}_{which}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # so a scenario can patch its own module by name
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


def main(pairs_path: str, out_path: str) -> None:
    with open(pairs_path, encoding="utf-8") as handle:
        pairs = json.load(handle)
    runs: dict[tuple[str, str, str], Run] = {}
    for case, name, before, after in pairs:
        for which, path in (("before", before), ("after", after)):
            try:
                runs[case, name, which] = drive(_load(case, which, path), name)
            except BaseException as exc:  # report, keep going with the other scenarios
                runs[case, name, which] = Run((), [], [], [], f"{type(exc).__name__}: {exc}")
            try:
                pickle.dumps(runs[case, name, which].__dict__)
            except Exception as exc:
                runs[case, name, which] = Run((), [], [], [], f"results not picklable: {exc}")
    with open(out_path, "wb") as handle:
        pickle.dump({k: v.__dict__ for k, v in runs.items()}, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
