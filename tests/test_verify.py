"""`txasync fix --verify`: conversions proven by the project's own tests.

The fixture (tests/fixtures/verify_project) has two conversions no static rule can see to
be wrong: `Service.profile` yields a method a test replaces, through `setattr` under a
computed name, with a plain double; `Handlers.on_signup` is looked up by a name read from
`events.ini` into a table of handlers, called elsewhere, and its Deferred used as one (a
lookup called where it is made is typed, and made coroutine-aware where needed). Everything
else converts. The real CLI runs under `trial -j2` and `pytest -n 2`; the bisection logic is
tested with a fake runner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, copy_project
from txasync import engine
from txasync.config import load_config
from txasync.verify import orchestrate
from txasync.verify.bisect import Bisection, Budget, BudgetExhausted, find_culprits
from txasync.verify.outcomes import NOT_RUN, TestRecord, changed_tests, read_outcomes
from txasync.verify.verdicts import (
    Verdict,
    function_sha256,
    load_verdicts,
    locate_test,
    save_verdicts,
    valid_verdicts,
)

FIXTURE = ROOT / "tests" / "fixtures" / "verify_project"
CULPRITS = {"vproj.service:Service.profile", "vproj.hooks:Handlers.on_signup"}
CONVERTED = ["async def fetch_user", "async def fetch_group", "async def rename",
             "async def get", "async def put", "async def count_signups"]
TRIAL_J2 = [sys.executable, "-m", "twisted.trial", "-j2", "vproj"]
PYTEST_N2 = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
             "vproj"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}


def txasync(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "txasync", *args], cwd=project,
                          capture_output=True, text=True, timeout=900, env=_env())


def project_copy(tmp_path: Path) -> Path:
    return copy_project(FIXTURE, tmp_path / "verify_project")


# -- bisection, with a fake runner -----------------------------------------------------------
def fake(culprits: set[str], log: list[frozenset[str]] | None = None):
    def passes(reverted: frozenset[str]) -> bool:
        if log is not None:
            log.append(reverted)
        return culprits <= reverted
    return passes


@pytest.mark.parametrize("culprits", [{"f3"}, {"f0"}, {"f9"}, {"f2", "f7"}, {"f1", "f2", "f3"},
                                      set(f"f{i}" for i in range(10))])
def test_bisect_finds_exactly_the_culprits(culprits):
    suspects = [f"f{i}" for i in range(10)]
    runs: list[frozenset[str]] = []
    found = find_culprits(suspects, Bisection(fake(culprits, runs)))
    assert set(found or ()) == culprits
    assert len(runs) == len(set(runs))  # never the same set twice
    if len(culprits) == 1:
        assert len(runs) <= 2 + 4  # all reverted, then log2(10) rounded up


def test_bisect_reports_when_the_suspects_do_not_explain_it():
    assert find_culprits(["a", "b"], Bisection(fake({"z"}))) is None


def test_bisect_budget_carries_what_is_left():
    bisection = Bisection(fake({"f1", "f8"}), Budget(3))
    with pytest.raises(BudgetExhausted) as caught:
        find_culprits([f"f{i}" for i in range(10)], bisection)
    assert bisection.budget.used == 3
    assert set(caught.value.found) | set(caught.value.unresolved) >= {"f1", "f8"}


def test_bisect_known_failing_set_is_not_run():
    runs: list[frozenset[str]] = []
    find_culprits(["a"], Bisection(fake({"a"}, runs)))
    assert frozenset() not in runs


# -- outcomes and verdicts -------------------------------------------------------------------
def test_outcomes_keep_the_worst_report(tmp_path):
    lines = [{"test": "t1", "outcome": "pass"}, {"test": "t1", "outcome": "error",
                                                "detail": "boom"},
             {"test": "t2", "outcome": "skip"}]
    (tmp_path / "outcomes-1.jsonl").write_text(
        "".join(json.dumps(x) + "\n" for x in lines) + '{"test": "cut sh')
    outcomes, details = read_outcomes(str(tmp_path))
    assert outcomes == {"t1": "error", "t2": "skip"} and details == {"t1": "boom"}
    assert changed_tests({"t1": "pass", "t3": "pass"}, outcomes) == {
        "t1": ("pass", "error"), "t2": (NOT_RUN, "skip"), "t3": ("pass", NOT_RUN)}
    assert changed_tests({"t1": "pass"}, outcomes, ["t2"]) == {"t2": (NOT_RUN, "skip")}


def _project(root: Path) -> engine.Project:
    config = load_config(str(root))
    files, _ = engine.discover([str(root)], config)
    return engine.load_project(files, config)


def test_verdict_holds_until_the_function_or_the_test_changes(tmp_path):
    root = project_copy(tmp_path)
    project = _project(root)
    facts, fn = project.workspace.functions["vproj.service:Service.profile"]
    text = project.sources[facts.path].text
    test_id = "vproj.tests.test_vproj.ServiceTests.test_profile_with_double"
    tfacts, tfn = locate_test(test_id, project.facts, str(root))
    assert tfn.qualname == "ServiceTests.test_profile_with_double"
    assert locate_test("vproj/tests/test_vproj.py::ServiceTests::test_profile_with_double",
                       project.facts, str(root))[1] is tfn
    save_verdicts(str(root), [Verdict(
        "vproj.service:Service.profile", function_sha256(text, fn), test_id,
        function_sha256(project.sources[tfacts.path].text, tfn), "pass", "fail",
        "TypeError: boom", "2025-01-01", "abc")])
    assert load_verdicts(str(root))[0].after == "fail"

    def refused() -> list:
        found = _project(root)
        analysis = engine.analyse(found)
        return [f for f in analysis.findings if f.code == "TXA002"]

    [finding] = refused()
    assert finding.function == "Service.profile"
    assert "changed the outcome of the test" in finding.message
    assert f"`{test_id}` from pass to fail" in finding.message
    assert finding.reason.kind == "verdict"

    # Moving the function does not matter; changing it does.
    service = root / "vproj" / "service.py"
    service.write_text("# moved\n\n" + service.read_text())
    assert len(refused()) == 1
    service.write_text(service.read_text().replace('return {"user": user}',
                                                   'return {"user": user, "v": 2}'))
    assert refused() == []
    # ... and so does changing the test.
    service.write_text(text)
    assert len(refused()) == 1
    tests = root / "vproj" / "tests" / "test_vproj.py"
    tests.write_text(tests.read_text().replace("profile(7)", "profile(8)").replace(
        '{"id": 7}', '{"id": 8}'))
    assert refused() == []
    current = _project(root)
    assert valid_verdicts(load_verdicts(str(root)), current.facts,
                          current.workspace.functions,
                          {p: s.text for p, s in current.sources.items()}, str(root)) == {}


# -- the CLI on the fixture ------------------------------------------------------------------
def _check_result(root: Path, result: subprocess.CompletedProcess[str], runner: list[str]):
    out = result.stdout + result.stderr
    assert result.returncode == 1, out  # conversions were taken back
    assert "verified: every test has its baseline outcome" in out, out
    verdicts = json.loads((root / ".txasync" / "verdicts.json").read_text())["verdicts"]
    assert {v["function"] for v in verdicts} == CULPRITS, out
    by_function = {v["function"]: v for v in verdicts}
    assert by_function["vproj.service:Service.profile"]["test"].endswith(
        "test_profile_with_double")
    assert by_function["vproj.hooks:Handlers.on_signup"]["test"].endswith(
        "test_signup_dispatch")
    assert all(v["before"] == "pass" and v["after"] in ("fail", "error") for v in verdicts)
    texts = "".join(p.read_text() for p in (root / "vproj").rglob("*.py"))
    for converted in CONVERTED:
        assert converted in texts, converted
    service = (root / "vproj" / "service.py").read_text()
    hooks = (root / "vproj" / "hooks.py").read_text()
    assert "    @defer.inlineCallbacks\n    def profile" in service
    assert "    @defer.inlineCallbacks\n    def on_signup" in hooks
    # The suite after: what it was before.
    after = subprocess.run(runner, cwd=root, capture_output=True, text=True, timeout=600,
                           env=_env())
    assert after.returncode == 0, after.stdout + after.stderr
    # `check` reports the verdicts; another `fix` leaves the tree alone.
    check = txasync(root, "check", ".")
    assert "vproj/service.py:17:9: TXA002 `profile` is not converted: converting it " \
           "changed the outcome of the test" in check.stdout, check.stdout
    assert "TXA002 `on_signup` is not converted" in check.stdout
    again = txasync(root, "fix", "--diff", ".")
    assert again.stdout == "", again.stdout
    return out


def test_fix_verify_with_trial_j2(tmp_path):
    root = project_copy(tmp_path)
    result = txasync(root, "fix", "--verify", "--", *TRIAL_J2)
    out = _check_result(root, result, TRIAL_J2)
    assert "3 full suite runs" in out, out
    assert "taken back: vproj.tests.test_vproj.ServiceTests.test_profile_with_double: " \
           "pass -> fail" in out


def test_fix_verify_with_pytest_n2_reuses_the_probe_run(tmp_path):
    root = project_copy(tmp_path)
    probe = txasync(root, "probe", "--", *PYTEST_N2)
    assert probe.returncode == 0, probe.stderr
    record = TestRecord.load(str(root))
    assert record is not None and len(record.outcomes) == 6
    assert "vproj.service:Service.profile" in record.executed[
        "vproj/tests/test_vproj.py::ServiceTests::test_profile_with_double"]
    result = txasync(root, "fix", "--verify", "--", *PYTEST_N2)
    out = _check_result(root, result, PYTEST_N2)
    assert "2 full suite runs (baseline from `txasync probe`)" in out, out


def test_test_command_from_the_configuration_and_max_runs(tmp_path):
    """`test-command` in [tool.txasync]; --max-runs 3 leaves no room to tell the suspects
    apart: they stay unconverted without a verdict, and the tree still passes."""
    root = project_copy(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["python"', f'[{sys.executable!r}'))
    result = txasync(root, "fix", "--verify", "--max-runs", "4")
    out = result.stdout + result.stderr
    assert "verified: every test has its baseline outcome" in out, out
    assert "left unconverted (not verified)" in out, out
    assert "runs 4/4" in out or "4 full" in out or "of changed tests only" in out
    after = subprocess.run([sys.executable, "-m", "twisted.trial", "vproj"], cwd=root,
                           capture_output=True, text=True, timeout=600, env=_env())
    assert after.returncode == 0, after.stdout


def test_usage_errors(tmp_path):
    root = project_copy(tmp_path)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    result = txasync(root, "fix", "--verify")
    assert result.returncode == 2 and "needs the test command" in result.stderr
    result = txasync(root, "fix", "--verify", "--diff", "--", "true")
    assert result.returncode == 2 and "--diff" in result.stderr


# -- flaky tests and Ctrl-C ------------------------------------------------------------------
FLAKY_TEST = '''
import os

from twisted.trial import unittest

from vproj.store import Store


class Flaky(unittest.TestCase):
    def test_alternates(self):
        marker = os.path.join(os.path.dirname(__file__), "..", "..", "flaky.marker")
        if os.path.exists(marker):
            os.remove(marker)
            self.fail("every other run")
        open(marker, "w").close()
        Store()
'''


def test_flaky_test_is_never_blamed(tmp_path):
    root = project_copy(tmp_path)
    (root / "vproj" / "tests" / "test_flaky.py").write_text(FLAKY_TEST)
    result = txasync(root, "fix", "--verify", "--", sys.executable, "-m", "twisted.trial",
                     "vproj")
    out = result.stdout + result.stderr
    assert "flaky test (outcome differs between runs of the same tree), never blamed: " \
           "vproj.tests.test_flaky.Flaky.test_alternates" in out, out
    verdicts = json.loads((root / ".txasync" / "verdicts.json").read_text())["verdicts"]
    assert {v["function"] for v in verdicts} == CULPRITS


def test_ctrl_c_leaves_the_tree_as_it_was(tmp_path, monkeypatch):
    root = project_copy(tmp_path)
    before = {p: p.read_text() for p in root.rglob("*.py")}
    monkeypatch.chdir(root)
    calls = []
    real = orchestrate.run_suite

    def interrupted(*args, **kw):
        calls.append(kw.get("only"))
        if len(calls) == 5:  # in the bisection: a converted tree is on disk
            assert any(p.read_text() != t for p, t in before.items())
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(orchestrate, "run_suite", interrupted)
    with pytest.raises(KeyboardInterrupt):
        orchestrate.verify_fix(_project(root), [sys.executable, "-m", "twisted.trial",
                                                "vproj"])
    assert {p: p.read_text() for p in root.rglob("*.py")} == before
    assert not (root / ".txasync" / "verdicts.json").exists()


def test_held_interrupts_finish_the_block_first():
    import signal

    done = []
    with pytest.raises(KeyboardInterrupt):
        with orchestrate.held_interrupts():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("written")
    assert done == ["written"]


def test_sigint_to_the_cli_restores_the_tree(tmp_path):
    """A real Ctrl-C in the middle of the bisection (a converted tree on disk): exit 130,
    every file as it was."""
    import signal

    root = project_copy(tmp_path)
    before = {p: p.read_text() for p in root.rglob("*.py")}
    # From the first run of chosen tests after the flaky check's runs on, the command
    # waits before running trial, so the bisection is surely still running when the signal
    # comes, however late this process reads the progress line on a loaded machine.
    slow = tmp_path / "slow_trial.py"
    slow.write_text(
        "import os, subprocess, sys, time\n"
        f"count = {str(tmp_path / 'targeted')!r}\n"
        "if os.environ.get('TXASYNC_VERIFY_ONLY'):\n"
        "    with open(count, 'a') as f:\n"
        "        f.write('.')\n"
        f"    if len(open(count).read()) > {orchestrate.FLAKY_RUNS}:\n"
        "        try:\n"
        "            time.sleep(120)\n"
        "        except KeyboardInterrupt:\n"
        "            sys.exit(130)\n"
        "sys.exit(subprocess.call([sys.executable, '-m', 'twisted.trial', 'vproj']))\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "txasync", "fix", "--verify", "--", sys.executable, str(slow)],
        cwd=root, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        # A run started in the background (`cmd &`) inherits SIGINT ignored; the CLI must
        # get it as a terminal's Ctrl-C would deliver it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "bisect" in line:
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stdout.read()
    assert proc.wait(timeout=300) == 130, "".join(seen) + rest
    assert "interrupted; every file is as it was" in rest
    assert {p: p.read_text() for p in root.rglob("*.py")} == before
