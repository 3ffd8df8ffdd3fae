"""Whole projects converted by one `txasync fix`, then their own trial tests run.

Golden text cannot show that a conversion is right; the projects' own tests can. Each
project runs on the installed (newest) Twisted and on Twisted 22.4, whose older semantics
(no coroutine support in LoopingCall, maybeDeferred or trial before 22.8; no `yield coro`
before 24.7) exercise the version-dependent wraps and refusals.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLE, SHOP, copy_project, old_twisted_python, run_trial, txasync
from txasync.config import installed_twisted_version


@pytest.fixture(scope="session")
def old_python() -> str:
    python = old_twisted_python()
    if python is None:
        pytest.skip("could not create a Twisted 22.4 environment (no access to PyPI)")
    return python


def _versions(old_python: str) -> list[tuple[str, str]]:
    newest = ".".join(map(str, installed_twisted_version() or (26, 10)))
    return [(sys.executable, newest), (old_python, "22.4")]


@pytest.mark.parametrize("project, package, tests", [(EXAMPLE, "legacy_app", 51),
                                                      (SHOP, "shop", 16)])
@pytest.mark.parametrize("which", ["newest", "22.4"])
def test_fix_keeps_the_projects_tests_passing(tmp_path: Path, old_python: str, project: Path,
                                              package: str, tests: int, which: str) -> None:
    python, version = dict(zip(["newest", "22.4"], _versions(old_python), strict=True))[which]
    work = copy_project(project, tmp_path / "p")
    before, _ = run_trial(python, work, package)
    assert before == f"PASSED (successes={tests})"
    result = txasync("fix", "--twisted-version", version, str(work))
    assert result.returncode in (0, 1), result.stderr
    assert "internal error" not in result.stderr
    after, output = run_trial(python, work, package)
    assert after == before, output
    # everything reported convertible was converted, and a second run changes nothing
    check = txasync("check", "--format", "json", "--twisted-version", version, str(work))
    remaining = [f for f in json.loads(check.stdout) if f["code"] == "TXA001"]
    assert remaining == []
    again = txasync("fix", "--diff", "--twisted-version", version, str(work))
    assert again.stdout == ""


def test_plan_batches_applied_one_at_a_time_keep_tests_passing(tmp_path: Path) -> None:
    work = copy_project(EXAMPLE, tmp_path / "p")
    plan = json.loads(txasync("plan", "--format", "json", "--batch-size", "15",
                              str(work)).stdout)
    assert len(plan["batches"]) >= 3
    for batch in plan["batches"]:
        result = txasync("fix", "--only", batch["only"], str(work))
        assert "internal error" not in result.stderr, result.stderr
        summary, output = run_trial(sys.executable, work, "legacy_app")
        assert summary == "PASSED (successes=51)", (batch["batch"], output)
    final = json.loads(txasync("check", "--format", "json", str(work)).stdout)
    assert not [f for f in final if f["code"] == "TXA001"]
