"""The part of `txasync fix --verify` that runs inside the project's own test processes.

Copied, as `_txasync_verify_runtime.py`, next to the probe's runtime and `sitecustomize.py`
(see probe/run.py), so it imports nothing but the standard library. It does three things:

- records each test's outcome ("pass", "fail", "error", "skip") as one JSON line appended to
  `outcomes-<pid>.jsonl` in the directory TXASYNC_VERIFY_DIR names, the moment the test
  ends (a worker killed later keeps what it wrote);
- tells the probe's runtime which test is running, so each inlineCallbacks function records
  the tests that called it;
- when TXASYNC_VERIFY_ONLY names a file of test ids, runs only those tests.

Trial is hooked where every runner ends up: `SynchronousTestCase.run` (plain trial, the
workers of `trial -j`) for the outcome and the current test, `TrialRunner.run` and
`DistTrialRunner.run` for the selection. Pytest (and pytest-xdist's workers, which inherit
the environment) loads this module as a plugin through PYTEST_PLUGINS; then pytest's ids
(node ids) are the ones recorded, and trial's hooks stand aside.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

ENV_DIR = "TXASYNC_VERIFY_DIR"
ENV_ONLY = "TXASYNC_VERIFY_ONLY"
PROBE_MODULE = "_txasync_probe_runtime"
MODULE = "_txasync_verify_runtime"

_installed = False
_pytest_active = False
_only: frozenset[str] | None = None
_errors: list[str] = []


_current: str | None = None


def _set_test(test_id: str | None) -> None:
    global _current
    _current = test_id
    probe = sys.modules.get(PROBE_MODULE)
    if probe is not None:
        probe.current_test = test_id  # type: ignore[attr-defined]


def record(test_id: str, outcome: str, detail: str = "") -> None:
    import json
    out = os.environ.get(ENV_DIR)
    if not out:
        return
    try:
        line = json.dumps({"test": test_id, "outcome": outcome, "detail": detail[:300],
                           "pid": os.getpid()})
        path = os.path.join(out, f"outcomes-{os.getpid()}.jsonl")
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except Exception:
        pass


def _describe(error: object) -> str:
    """`TypeError: first line of the message`, short; a message that embeds a traceback
    (trial's `successResultOf`) ends with the error that matters, so its last line too."""
    text = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    name = type(error).__name__ if isinstance(error, BaseException) else ""
    line = text[0] if text else ""
    if len(line) > 100:
        line = line[:97] + "..."
    if len(text) > 1:
        last = text[-1] if len(text[-1]) <= 120 else text[-1][:117] + "..."
        line = f"{line} ... {last}"
    return f"{name}: {line}" if name and line else (name or line)


def _selected(test_id: str) -> bool:
    return _only is None or test_id in _only


# -- trial -----------------------------------------------------------------------------------
_WORST = {"error": 3, "fail": 2, "pass": 1, "skip": 0}


class _Recorder:
    """Stands in for trial's result object during one test: notes what it is told."""

    def __init__(self, result: object) -> None:
        self._txasync_result = result
        self._txasync_outcome: str | None = None
        self._txasync_detail = ""

    def __getattr__(self, name: str) -> object:
        return getattr(self._txasync_result, name)

    def _note(self, outcome: str, detail: object = None) -> None:
        if self._txasync_outcome is None or _WORST[outcome] > _WORST[self._txasync_outcome]:
            self._txasync_outcome = outcome
            if detail is not None:
                try:
                    value = getattr(detail, "value", None)
                    if value is None and isinstance(detail, tuple) and len(detail) > 1:
                        value = detail[1]
                    self._txasync_detail = _describe(value if value is not None else detail)
                except Exception:
                    self._txasync_detail = "?"

    def addSuccess(self, test, *args, **kw):  # type: ignore[no-untyped-def]
        self._note("pass")
        return self._txasync_result.addSuccess(test, *args, **kw)  # type: ignore[attr-defined]

    def addExpectedFailure(self, test, *args, **kw):  # type: ignore[no-untyped-def]
        self._note("pass")
        return self._txasync_result.addExpectedFailure(  # type: ignore[attr-defined]
            test, *args, **kw)

    def addSkip(self, test, *args, **kw):  # type: ignore[no-untyped-def]
        self._note("skip")
        return self._txasync_result.addSkip(test, *args, **kw)  # type: ignore[attr-defined]

    def addFailure(self, test, fail, *args, **kw):  # type: ignore[no-untyped-def]
        self._note("fail", fail)
        return self._txasync_result.addFailure(  # type: ignore[attr-defined]
            test, fail, *args, **kw)

    def addUnexpectedSuccess(self, test, *args, **kw):  # type: ignore[no-untyped-def]
        self._note("fail")
        return self._txasync_result.addUnexpectedSuccess(  # type: ignore[attr-defined]
            test, *args, **kw)

    def addError(self, test, error, *args, **kw):  # type: ignore[no-untyped-def]
        self._note("error", error)
        return self._txasync_result.addError(test, error, *args, **kw)  # type: ignore[attr-defined]


def _patch_synctest(module: object) -> None:
    cls = module.SynchronousTestCase  # type: ignore[attr-defined]
    original = cls.run
    recorder_cls = _Recorder
    try:  # a result that is a trial reporter must stay one (trial adapts it to IReporter)
        from twisted.trial import itrial
        from zope.interface import implementer

        recorder_cls = implementer(itrial.IReporter)(
            type("_ReporterRecorder", (_Recorder,), {}))
        reporter_iface = itrial.IReporter
    except Exception as exc:
        _errors.append(f"IReporter: {exc!r}")
        reporter_iface = None

    def run(self, result):  # type: ignore[no-untyped-def]
        if _pytest_active:
            return original(self, result)
        try:
            test_id = self.id()
        except Exception:
            return original(self, result)
        provides = reporter_iface is not None and reporter_iface.providedBy(result)
        recorder = (recorder_cls if provides else _Recorder)(result)
        outer = _current  # a test that runs other tests (trial's own suite does)
        _set_test(test_id)
        try:
            return original(self, recorder)
        finally:
            _set_test(outer)
            if recorder._txasync_outcome is not None:
                record(test_id, recorder._txasync_outcome, recorder._txasync_detail)

    run.__wrapped__ = original  # type: ignore[attr-defined]
    cls.run = run


def _filtered(test: Any) -> Any:
    """`test` (a suite or a case) with only the selected tests."""
    if _only is None:
        return test
    import unittest

    def keep(item: Any) -> list[Any]:
        try:
            children = list(iter(item))
        except TypeError:
            try:
                return [item] if _selected(item.id()) else []
            except Exception:
                return [item]
        kept: list[Any] = []
        for child in children:
            kept.extend(keep(child))
        return kept

    return unittest.TestSuite(keep(test))


def _patch_runner(module: object, name: str) -> None:
    cls = getattr(module, name, None)
    if cls is None:
        return
    original = cls.run

    def run(self, test):  # type: ignore[no-untyped-def]
        if _only is not None and not _pytest_active:
            test = _filtered(test)
        return original(self, test)

    cls.run = run


# -- pytest (this module is the plugin) ------------------------------------------------------
_pytest_worst: dict[str, tuple[str, str]] = {}


def pytest_configure(config):  # type: ignore[no-untyped-def]
    global _pytest_active
    _pytest_active = True


def pytest_collection_modifyitems(session, config, items):  # type: ignore[no-untyped-def]
    if _only is None:
        return
    kept = [item for item in items if item.nodeid in _only]
    dropped = [item for item in items if item.nodeid not in _only]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_runtest_logstart(nodeid, location):  # type: ignore[no-untyped-def]
    _set_test(nodeid)


def pytest_runtest_logreport(report):  # type: ignore[no-untyped-def]
    if getattr(report, "node", None) is not None and not os.environ.get("PYTEST_XDIST_WORKER"):
        return  # xdist's controller hearing a worker's report: the worker records it
    nodeid = report.nodeid
    if report.when == "call":
        if report.passed:
            outcome = "pass"
        elif report.skipped:
            outcome = "pass" if hasattr(report, "wasxfail") else "skip"
        else:
            outcome = "fail"
    elif report.failed:
        outcome = "error"
    elif report.skipped:
        outcome = "skip"
    else:
        outcome = ""
    if outcome:
        old = _pytest_worst.get(nodeid)
        if old is None or _WORST[outcome] > _WORST[old[0]]:
            detail = ""
            if report.failed:
                try:
                    crash = getattr(report.longrepr, "reprcrash", None)
                    detail = (crash.message if crash is not None
                              else str(report.longrepr).strip().splitlines()[-1])
                    detail = detail.strip().splitlines()[0][:120]
                except Exception:
                    detail = "?"
            _pytest_worst[nodeid] = (outcome, detail)
    if report.when == "teardown":
        found = _pytest_worst.pop(nodeid, None)
        if found is not None:
            record(nodeid, found[0], found[1])


def pytest_runtest_logfinish(nodeid, location):  # type: ignore[no-untyped-def]
    _set_test(None)


def pytest_collectreport(report):  # type: ignore[no-untyped-def]
    if report.failed:
        record(report.nodeid or "<collection>", "error", "collection failed")


# -- installing ------------------------------------------------------------------------------
_HOOKS: dict[str, Callable[[Any], None]] = {
    "twisted.trial._synctest": lambda m: _patch_synctest(m),
    "twisted.trial.runner": lambda m: _patch_runner(m, "TrialRunner"),
    "twisted.trial._dist.disttrial": lambda m: _patch_runner(m, "DistTrialRunner"),
}


class _AfterImport:
    """Runs a patch right after the module it is for has executed its body."""

    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if fullname not in _HOOKS:
            return None
        import importlib.util

        patch = _HOOKS.pop(fullname)  # popped first: the lookup below comes back here
        if not _HOOKS and self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: Any) -> None:
            try:
                original(module)
            finally:
                try:
                    del loader.exec_module
                except AttributeError:
                    pass
            try:
                patch(module)
            except Exception as exc:
                _errors.append(f"{fullname}: {exc!r}")

        try:
            loader.exec_module = exec_module
        except Exception:
            return spec
        return spec


def install() -> bool:
    """Start recording in this process (idempotent); False when the environment is not set."""
    global _installed, _only
    if _installed:
        return True
    if not os.environ.get(ENV_DIR):
        return False
    _installed = True
    only = os.environ.get(ENV_ONLY)
    if only:
        try:
            with open(only, encoding="utf-8") as handle:
                _only = frozenset(line.rstrip("\n") for line in handle if line.strip())
        except OSError:
            _only = None
    for name in list(_HOOKS):
        module = sys.modules.get(name)
        if module is not None:
            _HOOKS.pop(name)(module)
    if _HOOKS:
        sys.meta_path.insert(0, _AfterImport())
    return True
