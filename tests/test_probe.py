"""`txasync probe`: evidence from a real test run, and a test run the probe does not change.

The fixture project (tests/fixtures/probe_app) runs under trial, `trial -j 2` and pytest with
two xdist workers, on the newest Twisted and on Twisted 22.4, each time with and without the
probe. Its tests must report the same results either way, and the evidence must say exactly
what the tests did (counted by hand from the fixture, see EXPECTED): the kinds each yield
saw, how often each function ran, who consumed its Deferred, and which function never ran.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT, old_twisted_python
from txasync.analysis.evidence import (
    Evidence,
    EvidenceError,
    load_evidence,
    parse_evidence,
    source_sha256,
    yield_verdict,
)
from txasync.probe import _runtime
from txasync.probe import cli as probe_cli

FIXTURE = ROOT / "tests" / "fixtures" / "probe_app"
STORE = "probe_app/store.py"
TESTS = "probe_app/tests/test_store.py"
TESTING = "probe_app/testing.py"
PYTESTS = "pytest_tests/test_store_pytest.py"

RUNNERS = {
    "trial": ["-m", "twisted.trial", "probe_app"],
    "trial-j2": ["-m", "twisted.trial", "-j", "2", "probe_app"],
    "pytest-n2": ["-m", "pytest", "pytest_tests", "-n", "2", "-p", "no:cacheprovider",
                  "-q", "-rA"],
}
PROCESSES = {"trial": 1, "trial-j2": 3, "pytest-n2": 3}  # trial -j and xdist: manager + 2


# -- running the fixture ---------------------------------------------------------------------
@dataclass
class Run:
    code: int
    output: str
    evidence: dict[str, Any] | None
    project: Path
    command: list[str]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PROBE_APP_FAIL") and not k.startswith("TXASYNC_PROBE")}
    env.update(extra)
    return env


def _copy(dest: Path) -> Path:
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns(
        "_trial_temp*", "__pycache__", ".txasync", "scripts", ".pytest_cache"))
    return dest


def _run(python: str, runner: str, project: Path, probe: bool, out: Path | None = None,
         **env: str) -> Run:
    command = [python, *RUNNERS[runner]]
    argv = command
    if probe:
        argv = [sys.executable, "-m", "txasync.probe", "--jobs", "1"]
        argv += ["--out", str(out)] if out is not None else []
        argv += ["--", *command]
    proc = subprocess.run(argv, cwd=project, capture_output=True, text=True,
                          env=_env(**env), timeout=900)
    evidence = None
    if probe:
        path = out or project / ".txasync" / "evidence.json"
        evidence = json.loads(path.read_text())
    return Run(proc.returncode, proc.stdout + proc.stderr, evidence, project, command)


def _normalise(runner: str, output: str) -> list[str]:
    """What must not change under the probe: each test's outcome, tracebacks, the summary."""
    lines = []
    for line in output.splitlines():
        if line.startswith("txasync probe:"):
            continue
        line = re.sub(r"0x[0-9a-f]+", "0x", line)
        line = re.sub(r"^Ran (\d+) tests in .*", r"Ran \1 tests", line)
        line = re.sub(r" in [0-9.]+s\b.*", "", line)
        if runner.startswith("pytest") and not re.match(
                r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) |^=* ?\d+ \w+", line):
            continue  # progress dots and worker start-up lines vary with scheduling
        lines.append(line)
    # results of parallel workers arrive in any order
    return sorted(lines) if runner != "trial" else lines


def _interpreter(python: str) -> tuple[str, str]:
    code = ("import platform; from importlib.metadata import version; "
            "print(platform.python_version(), version('twisted'))")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    py, tw = out.stdout.split()
    return py, tw


@pytest.fixture(scope="session")
def old_python() -> str:
    """Twisted 22.4's Python, with pytest and pytest-xdist added once (cached with the venv)."""
    python = old_twisted_python()
    if python is None:
        pytest.skip("could not create a Twisted 22.4 environment (no access to PyPI)")
    venv = Path(python).parent.parent
    marker = venv / ".probe-pytest"
    with open(venv / ".probe-pytest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            proc = subprocess.run([python, "-m", "pip", "install", "-q", "pytest>=8",
                                   "pytest-xdist>=3"], capture_output=True, text=True,
                                  timeout=900)
            if proc.returncode != 0:
                pytest.skip(f"cannot install pytest into the Twisted 22.4 venv: {proc.stderr}")
            marker.write_text("ok\n")
    return python


@pytest.fixture(scope="session")
def pythons(old_python: str) -> dict[str, str]:
    return {"newest": sys.executable, "22.4": old_python}


_RUNS: dict[tuple[str, str], tuple[Run, Run]] = {}


def _runs(pythons: dict[str, str], which: str, runner: str,
          tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Run]:
    """(without probe, with probe) for one Twisted and runner, each in a fresh copy."""
    key = (which, runner)
    if key not in _RUNS:
        base = tmp_path_factory.mktemp(f"{which}-{runner}")
        plain = _run(pythons[which], runner, _copy(base / "plain"), probe=False)
        probed = _run(pythons[which], runner, _copy(base / "probed"), probe=True,
                      out=base / "evidence.json")
        _RUNS[key] = (plain, probed)
    return _RUNS[key]


# -- the expected evidence, counted from the fixture's tests ---------------------------------
def _line(rel: str, snippet: str, after: str | None = None) -> int:
    """The line of `snippet` in a fixture file (the first one after `after`); unique."""
    lines = (FIXTURE / rel).read_text().splitlines()
    start = 0 if after is None else _line(rel, after)
    found = [n for n, text in enumerate(lines, 1) if snippet in text and n > start]
    assert found and (after is not None or len(found) == 1), (rel, snippet, found)
    return found[0]


def _yield(rel: str, snippet: str, count: int, kinds: dict[str, int], nth: int = 0,
           after: str | None = None) -> dict[str, Any]:
    line = _line(rel, snippet, after)
    text = (FIXTURE / rel).read_text().splitlines()[line - 1]
    col = [m.start() for m in re.finditer(r"\byield\b", text)][nth]
    return {"line": line, "col": col, "count": count, "static": True, "kinds": kinds}


def _use(rel: str, snippet: str, what: str, count: int = 1, after: str | None = None
         ) -> dict[str, Any]:
    return {"path": rel, "module": None, "line": _line(rel, snippet, after), "what": what,
            "count": count}


def _fn(rel: str, snippet: str, calls: int, yields: list[dict[str, Any]],
        consumers: list[dict[str, Any]], unconsumed: int = 0) -> dict[str, Any]:
    consumers = sorted(consumers, key=lambda c: (c["path"], c["line"], c["what"]))
    return {"line": _line(rel, snippet), "static": True, "calls": calls,
            "unconsumed": unconsumed, "yields": yields, "consumers": consumers}


def expected_files(family: str) -> dict[str, Any]:
    """The evidence `files` table for the trial suite or the pytest suite.

    Consumers outside the project (trial itself running an inlineCallbacks test) are left
    out here: their lines are Twisted's and differ between releases; they are checked apart.
    """
    S, T = STORE, TESTS
    trial = family == "trial"
    lookup = "value = yield self.cache.lookup"
    load = "value = yield self.backend.load"
    gather = "values = yield defer.gatherResults"
    in_total = "yield self.fetch_all(keys)"
    add_both = "d.addBoth"
    functions = {
        # trial: get("a") twice (a load, then the cached int), pair("a", "b") (two loads);
        # pytest: get("a") twice, pair("a", "a") (a load, then the cached int)
        "Service.get": _fn(S, "def get(", 4, [
            _yield(S, lookup, 4, {"Deferred": 3, "int": 1} if trial
                   else {"Deferred": 2, "int": 2})], [
            _use(S, "label = ", "yield", 2),
            _use(TESTING, add_both, "Deferred.addBoth", 2)]),
        # trial: total 3, warm 2, missing 1, chained 1, summary 2, legacy_sum 2, broken 1;
        # pytest: total[a] 1, total[abc] 3, warm 2, summary 2, broken 1
        "Service.fetch": _fn(S, "def fetch(", 12 if trial else 9, [
            _yield(S, load, 12 if trial else 9, {"Deferred": 12 if trial else 9})], [
            _use(S, gather, "gatherResults", 9 if trial else 8),
            _use(S, "value = yield self.fetch(key)", "yield")] + ([
                _use(S, "lambda k: self.fetch(k)", "callback-result"),
                _use(TESTING, add_both, "Deferred.addBoth")] if trial else [])),
        "Service.fetch_all": _fn(S, "def fetch_all(", 4, [
            _yield(S, gather, 4, {"Deferred": 4})], [
            _use(S, in_total, "yield", 1 if trial else 2, after="def total("),
            _use(S, "d.addCallback(len)", "Deferred.addCallback"),
            _use(S, "await self.fetch_all", "await")] + ([
                _use(S, in_total, "yield", after="def legacy_sum("),
                _use(T, "self.successResultOf(self.service.warm",
                     "twisted.trial._synctest._Assertions.successResultOf")] if trial else [
                _use(TESTING, add_both, "Deferred.addBoth")])),
        "Service.total": _fn(S, "def total(", 1 if trial else 2, [
            _yield(S, in_total, 1 if trial else 2, {"Deferred": 1 if trial else 2},
                   after="def total(")], [
            _use(T, "total = yield self.service.total", "yield") if trial
            else _use(TESTING, add_both, "Deferred.addBoth", 2)]),
        "Service.record": _fn(S, "def record(", 1, [
            _yield(S, "yield None", 1, {"None": 1})], [], unconsumed=1),
        "Service.legacy_sum": _fn(S, "def legacy_sum(", 1 if trial else 0, [
            _yield(S, in_total, 1 if trial else 0, {"Deferred": 1} if trial else {},
                   after="def legacy_sum(")],
            [_use(TESTING, add_both, "Deferred.addBoth")] if trial else []),
        "Service.slow": _fn(S, "def slow(", 1, [
            _yield(S, "yield task.deferLater", 1, {"Deferred": 1})], [
            _use(T if trial else PYTESTS, "d.cancel()", "Deferred.cancel")]),
        "Service.chained": _fn(S, "def chained(", 1 if trial else 0, [
            _yield(S, "value = yield d", 1 if trial else 0, {"Deferred": 1} if trial else {})],
            [_use(TESTING, add_both, "Deferred.addBoth")] if trial else []),
        "Service.broken": _fn(S, "def broken(", 1, [
            _yield(S, "value = yield self.fetch(key)", 1, {"Deferred": 1})], [
            _use(T, "return self.assertFailure(d, TypeError)",
                 "twisted.trial._asynctest.TestCase.assertFailure") if trial
            else _use(TESTING, add_both, "Deferred.addBoth")]),
        "Service.pair": _fn(S, "def pair(", 1, [
            _yield(S, "label = ", 1, {"Deferred": 1}, nth=0),
            _yield(S, "label = ", 1, {"Deferred": 1}, nth=1)], [
            _use(TESTING, add_both, "Deferred.addBoth")]),
        # no test calls it
        "Service.purge": _fn(S, "def purge(", 0, [
            _yield(S, 'yield self.backend.load("purge")', 0, {})], []),
    }
    tests = {"ServiceTests.test_total": _fn(T, "def test_total(", 1 if trial else 0, [
        _yield(T, "total = yield self.service.total", 1 if trial else 0,
               {"Deferred": 1} if trial else {})], [])}
    return {
        S: {"sha256": source_sha256((FIXTURE / S).read_text()), "functions": functions},
        T: {"sha256": source_sha256((FIXTURE / T).read_text()), "functions": tests},
    }


def _project_only(files: dict[str, Any]) -> tuple[dict[str, Any], dict[str, set[str]]]:
    """The files table without consumers outside the project, and those apart."""
    outside: dict[str, set[str]] = {}
    trimmed = json.loads(json.dumps(files))
    for rel, entry in trimmed.items():
        for qualname, fn in entry["functions"].items():
            keep = []
            for c in fn["consumers"]:
                if c["path"] is None:
                    outside.setdefault(qualname, set()).add(c["module"])
                else:
                    keep.append(c)
            fn["consumers"] = keep
        trimmed[rel] = entry
    return trimmed, outside


# -- the tests -------------------------------------------------------------------------------
@pytest.mark.parametrize("runner", list(RUNNERS))
@pytest.mark.parametrize("which", ["newest", "22.4"])
def test_probe_records_exactly_what_the_tests_did(
        pythons: dict[str, str], which: str, runner: str,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    plain, probed = _runs(pythons, which, runner, tmp_path_factory)
    assert plain.code == 0, plain.output
    assert probed.code == plain.code
    assert _normalise(runner, probed.output) == _normalise(runner, plain.output)
    evidence = probed.evidence
    assert evidence is not None
    py_version, tw_version = _interpreter(pythons[which])
    header = {k: v for k, v in evidence.items() if k not in ("files", "created")}
    assert header == {
        "format": "txasync-evidence", "version": 1, "command": probed.command,
        "exit_code": 0, "processes": PROCESSES[runner], "python": [py_version],
        "twisted": [tw_version], "warnings": [],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", evidence["created"])
    family = "pytest" if runner.startswith("pytest") else "trial"
    files, outside = _project_only(evidence["files"])
    assert files == expected_files(family)
    if family == "trial":
        # trial itself consumes the Deferreds of inlineCallbacks tests (and of the
        # assertFailure result a test returns); nothing else leaves the project
        assert set(outside) == {"ServiceTests.test_total", "Service.broken"}
        assert all(m.startswith("twisted.") for mods in outside.values() for m in mods)
    else:
        assert outside == {}


@pytest.mark.parametrize("which", ["newest", "22.4"])
def test_failing_suite_fails_the_same_way_and_keeps_its_exit_code(
        pythons: dict[str, str], which: str, tmp_path: Path) -> None:
    plain = _run(pythons[which], "trial", _copy(tmp_path / "plain"), probe=False,
                 PROBE_APP_FAIL="1")
    probed = _run(pythons[which], "trial", _copy(tmp_path / "probed"), probe=True,
                  out=tmp_path / "e.json", PROBE_APP_FAIL="1")
    assert plain.code == 1 and probed.code == 1
    expected = _normalise("trial", plain.output.replace(str(tmp_path / "plain"), "P"))
    assert _normalise("trial", probed.output.replace(str(tmp_path / "probed"), "P")) == expected
    assert "builtins.KeyError: 'zzz'" in plain.output


@pytest.mark.parametrize("which", ["newest", "22.4"])
def test_corner_cases_behave_identically(pythons: dict[str, str], which: str,
                                         tmp_path: Path) -> None:
    """returnValue checks, frames, tracebacks, cancellation, awaits: one transcript."""
    shutil.copy(FIXTURE / "scripts" / "behaviour.py", tmp_path / "behaviour.py")
    command = [pythons[which], "behaviour.py"]
    plain = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                           env=_env(), timeout=300)
    probed = subprocess.run([sys.executable, "-m", "txasync.probe", "--", *command],
                            cwd=tmp_path, capture_output=True, text=True, env=_env(),
                            timeout=300)
    assert plain.returncode == probed.returncode == 0, plain.stderr + probed.stderr
    assert probed.stdout == plain.stdout
    assert "helper_return ok 5" in plain.stdout
    assert "returnValue() in 'inner' causing 'helper_return' to exit" in plain.stdout
    evidence = json.loads((tmp_path / ".txasync" / "evidence.json").read_text())
    assert evidence["warnings"] == []
    waits = evidence["files"]["behaviour.py"]["functions"]["waits"]
    # (after a cancel Twisted swaps the callback list, so the later addBoth goes unseen)
    assert {c["what"] for c in waits["consumers"]} == {
        "Deferred.cancel", "await", "callback-result", "gatherResults", "yield"}
    assert waits["calls"] == 10 and waits["unconsumed"] == 0
    cancels = [c for c in waits["consumers"] if c["what"] == "Deferred.cancel"]
    assert [c["count"] for c in cancels] == [1, 1]  # the nested one is Twisted's doing
    # one callback returned an already fired Deferred, one a pending one
    assert len([c for c in waits["consumers"] if c["what"] == "callback-result"]) == 2
    functions = evidence["files"]["behaviour.py"]["functions"]
    # a plain generator that inlineCallbacks runs (24.7+) is not an inlineCallbacks call
    assert "plain_generator" not in functions
    assert functions["yields_generator"]["yields"][0]["kinds"] == {"generator": 1}
    assert all(fn["static"] for fn in functions.values())


def test_project_is_untouched_and_the_hidden_sitecustomize_still_runs(tmp_path: Path) -> None:
    project = _copy(tmp_path / "p")
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest()
              for p in project.rglob("*") if p.is_file()}
    other = tmp_path / "site"
    other.mkdir()
    (other / "sitecustomize.py").write_text("MARK = 'project sitecustomize ran'\n")
    check = ("import sitecustomize, _txasync_probe_runtime as r; "
             "print(sitecustomize.MARK, r._state is not None)")
    proc = subprocess.run([sys.executable, "-m", "txasync.probe", "--", sys.executable, "-c",
                           check], cwd=project, capture_output=True, text=True,
                          env=_env(PYTHONPATH=str(other)), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "project sitecustomize ran True"
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in project.rglob("*") if p.is_file()}
    assert set(after) - set(before) == {project / ".txasync" / "evidence.json"}
    assert {p: h for p, h in after.items() if p in before} == before


def test_cli_run_in_process_lists_functions_that_never_ran(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from twisted.internet import defer\n\n\n"
        "@defer.inlineCallbacks\ndef idle():\n    x = yield defer.succeed(1)\n    return x\n")
    parser = argparse.ArgumentParser()
    probe_cli.add_arguments(parser)
    args = parser.parse_args(["--root", str(tmp_path), "--jobs", "1", "--", sys.executable,
                              "-c", "raise SystemExit(3)"])
    assert probe_cli.run(args) == 3
    evidence = load_evidence(str(tmp_path), strict=True)
    assert evidence is not None and evidence.exit_code == 3
    assert evidence.ran(str(tmp_path / "app.py"), "idle") is False
    assert evidence.yield_kinds(str(tmp_path / "app.py"), 6, 8) is None
    assert evidence.data["processes"] == 1


def test_cli_usage_errors_and_missing_commands(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert probe_cli.main([]) == 2
    assert probe_cli.main(["--root", str(tmp_path / "nope"), "--", "true"]) == 2
    assert probe_cli.main(["--root", str(tmp_path), "--", "no-such-command-xyz"]) == 127
    # evidence that cannot be written does not hide the tests' own status
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert probe_cli.main(["--root", str(tmp_path), "--out", str(blocker / "e.json"), "--",
                           sys.executable, "-c", "raise SystemExit(5)"]) == 5
    assert "no evidence written" in capsys.readouterr().err


def test_evidence_queries(pythons: dict[str, str],
                          tmp_path_factory: pytest.TempPathFactory) -> None:
    _, probed = _runs(pythons, "newest", "trial", tmp_path_factory)
    root = probed.project
    evidence = Evidence(str(root), probed.evidence or {})
    store = str(root / STORE)
    get = _yield(STORE, "value = yield self.cache.lookup", 0, {})
    assert evidence.yield_kinds(store, get["line"], get["col"]) == {"Deferred", "int"}
    assert evidence.yield_kinds(STORE, get["line"], get["col"]) == {"Deferred", "int"}
    purge = _yield(STORE, 'yield self.backend.load("purge")', 0, {})
    assert evidence.yield_kinds(store, purge["line"], purge["col"]) is None
    assert evidence.yield_kinds(str(root / "elsewhere.py"), 1, 0) is None
    assert evidence.ran(store, "Service.get") is True
    assert evidence.ran(store, "Service.purge") is False
    assert evidence.ran(store, "Service.nothing") is None
    assert evidence.consumed_as_deferred(store, "Service.fetch") == [
        (store, _line(STORE, "yield defer.gatherResults"), "gatherResults"),
        (store, _line(STORE, "lambda k: self.fetch(k)"), "callback-result"),
        (str(root / TESTING), _line(TESTING, "d.addBoth"), "Deferred.addBoth")]
    assert evidence.consumed_as_deferred(store, "Service.total") == []
    outside = evidence.consumed_as_deferred(str(root / TESTS), "ServiceTests.test_total")
    assert outside and all(path.startswith("<twisted.") for path, _, _ in outside)
    assert evidence.unconsumed(store, "Service.record") == 1
    text = (root / STORE).read_text()
    assert evidence.stale_files({store: text}) == []
    assert evidence.stale_files({store: text.replace("\n", "\r\n")}) == []
    assert evidence.stale_files({store: text + "# edited\n"}) == [store]
    assert evidence.without([store]).ran(store, "Service.get") is None
    assert evidence.twisted_versions == (_interpreter(sys.executable)[1],)


def test_load_evidence_reads_the_default_place_and_refuses_foreign_files(
        tmp_path: Path) -> None:
    assert load_evidence(str(tmp_path)) is None
    (tmp_path / ".txasync").mkdir()
    path = tmp_path / ".txasync" / "evidence.json"
    path.write_text("{not json")
    assert load_evidence(str(tmp_path)) is None
    with pytest.raises(EvidenceError, match="not JSON"):
        load_evidence(str(tmp_path), strict=True)
    path.write_text(json.dumps({"format": "txasync-evidence", "version": 99, "files": {}}))
    with pytest.raises(EvidenceError, match="version 99"):
        load_evidence(str(tmp_path), strict=True)
    path.write_text(json.dumps({"format": "txasync-evidence", "version": 1, "files": {
        "m.py": {"sha256": "x", "functions": {"f": {"calls": 2, "yields": [
            {"line": 3, "col": 4, "count": 2, "kinds": {"coroutine": 2}}]}}}}}))
    evidence = load_evidence(str(tmp_path))
    assert evidence is not None
    assert evidence.yield_kinds(str(tmp_path / "m.py"), 3, 4) == {"coroutine"}
    with pytest.raises(EvidenceError):
        parse_evidence(str(tmp_path), "[]")


def test_yield_verdicts_follow_the_oldest_supported_twisted() -> None:
    assert yield_verdict(None, (26, 10)) == "unknown"
    assert yield_verdict(frozenset(), (26, 10)) == "unknown"
    assert yield_verdict(frozenset({"Deferred"}), (22, 4)) == "awaitable"
    assert yield_verdict(frozenset({"Deferred", "int"}), (26, 10)) == "mixed"
    assert yield_verdict(frozenset({"None"}), (26, 10)) == "plain"
    # before 24.7 `yield coro` handed the coroutine back; `await` would run it
    assert yield_verdict(frozenset({"coroutine"}), (22, 4)) == "plain"
    assert yield_verdict(frozenset({"coroutine", "Deferred"}), (24, 7)) == "awaitable"
    assert yield_verdict(frozenset({"generator"}), (26, 10)) == "plain"


def test_both_copies_of_the_source_hash_agree() -> None:
    for text in ["", "a\r\nb\rc\n", "é = 1\n"]:
        assert _runtime.source_sha256(text) == source_sha256(text)


def test_pytest_process_ended_before_its_exit_handlers_still_leaves_evidence(
        tmp_path: Path) -> None:
    """A pytest-xdist worker that is slow to exit is killed by its controller before its exit
    handlers run (seen on a loaded machine: the evidence named one process of three, and
    `fix --verify` then missed tests); the record is written when the session finishes."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(
        "from twisted.internet import defer\n\n\n@defer.inlineCallbacks\ndef get():\n"
        "    value = yield defer.succeed(1)\n    return value\n")
    (tmp_path / "test_mod.py").write_text(
        "from pkg.mod import get\n\n\ndef test_get():\n    assert get().result == 1\n")
    # The process ends the way a killed worker does: no exit handler runs.
    (tmp_path / "conftest.py").write_text(
        "import os\n\n\ndef pytest_unconfigure(config):\n    os._exit(0)\n")
    out = tmp_path / "evidence.json"
    proc = subprocess.run(
        [sys.executable, "-m", "txasync.probe", "--jobs", "1", "--out", str(out), "--",
         sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mod.py"],
        cwd=tmp_path, capture_output=True, text=True, env=_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    evidence = json.loads(out.read_text())
    assert evidence["processes"] == 1
    yields = evidence["files"]["pkg/mod.py"]["functions"]["get"]["yields"]
    assert [y["kinds"] for y in yields] == [{"Deferred": 1}]
