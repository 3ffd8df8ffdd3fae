"""Evidence from `txasync probe` makes `fix` trust yields the test run proved awaitable."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from helpers import ROOT, copy_project, run_trial, txasync

FIXTURE = ROOT / "tests" / "fixtures" / "probe_app"


def _counts(diff: str) -> tuple[int, int]:
    added = [line for line in diff.splitlines() if line.startswith("+") and "await " in line]
    maybe = sum("maybeDeferred" in line for line in added)
    return len(added) - maybe, maybe


def test_fix_with_evidence_awaits_more_and_tests_still_pass(tmp_path: Path) -> None:
    work = copy_project(FIXTURE, tmp_path / "p")
    (work / "pyproject.toml").write_text("[tool.txasync]\n")
    without = txasync("fix", "--diff", str(work)).stdout
    probed = txasync("probe", "--root", str(work), "--", sys.executable, "-m",
                     "twisted.trial", "probe_app", cwd=work)
    assert probed.returncode == 0, probed.stderr
    assert (work / ".txasync" / "evidence.json").is_file()
    with_evidence = txasync("fix", "--diff", str(work)).stdout
    plain_without, maybe_without = _counts(without)
    plain_with, maybe_with = _counts(with_evidence)
    assert plain_with > plain_without and maybe_with < maybe_without
    txasync("fix", str(work))
    summary, output = run_trial(sys.executable, work, "probe_app")
    assert summary.startswith("PASSED"), output


def test_check_hints_when_evidence_is_stale(tmp_path: Path) -> None:
    work = copy_project(FIXTURE, tmp_path / "p")
    (work / "pyproject.toml").write_text("[tool.txasync]\n")
    txasync("probe", "--root", str(work), "--", sys.executable, "-m", "twisted.trial",
            "probe_app", cwd=work)
    fresh = txasync("check", str(work))
    assert "hint:" not in fresh.stderr
    store = work / "probe_app" / "store.py"
    store.write_text(store.read_text() + "\n# edited\n")
    stale = txasync("check", str(work))
    assert re.search(r"hint: 1 files changed since `txasync probe`", stale.stderr), stale.stderr


def test_coverage_is_known_per_function(tmp_path: Path) -> None:
    from txasync.config import load_config
    from txasync.engine import analyse, covered_by_tests, discover, load_project

    work = copy_project(FIXTURE, tmp_path / "p")
    (work / "pyproject.toml").write_text("[tool.txasync]\n")
    config = load_config(str(work))
    project = load_project(discover([str(work)], config)[0], config)
    analyse(project)
    assert project.workspace.functions.get("probe_app.store:Service.get") is not None
    assert covered_by_tests(project, "probe_app.store:Service.get") is None  # no evidence yet
    txasync("probe", "--root", str(work), "--", sys.executable, "-m", "twisted.trial",
            "probe_app", cwd=work)
    project = load_project(discover([str(work)], config)[0], config)
    analyse(project)
    ran = {key: covered_by_tests(project, key) for key, (_, fn) in
           project.workspace.functions.items() if fn.is_ic}
    assert True in ran.values() and False in ran.values()

    # `txasync progress` says which remaining functions no test runs.
    report = json.loads(txasync("progress", "--format", "json", str(work)).stdout)["tests"]
    never = sorted(key for key, covered in ran.items() if covered is False)
    assert report["evidence"] and report["not_run"] == never
    assert report["ran"] == sum(1 for covered in ran.values() if covered)
    text = " ".join(txasync("progress", str(work)).stdout.split())  # rich wraps lines
    assert f"{len(never)} never ran, so no test checks their conversion" in text
