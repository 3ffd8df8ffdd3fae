"""txasync on real projects: each one converted whole, its own test suite run before and after.

Opt-in (`pytest -m realworld tests/realworld`): it downloads sdists, builds a venv per project
and runs three test suites twice, which takes 10-25 minutes. The driver,
`benchmarks/realworld.py`, does the work; these tests run it once per project and check the
issue's done-when criteria on what it reports:

- no test changes outcome after the conversion;
- at least 85% of the inlineCallbacks functions are converted;
- every function left as inlineCallbacks has a reason;
- the fix itself ran cleanly (no internal error, every changed file compiles).

`test_audit_clean` checks what the suites may not show: no yielded call was dropped and no
coroutine went un-awaited after the conversion. The cache directory is
$TXASYNC_REALWORLD_CACHE or ~/.cache/txasync-realworld; results also land in
benchmarks/realworld-results.json.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import load_realworld_driver

pytestmark = pytest.mark.realworld

realworld = load_realworld_driver()
PROJECTS = list(realworld.load_config(realworld.DEFAULT_CONFIG))
_results: dict[str, dict[str, Any]] = {}


def result_for(name: str) -> dict[str, Any]:
    """Run the driver for one project (once per session) and return its full result."""
    if name not in _results:
        code = realworld.main(["--project", name])
        assert code in (0, 1), f"the driver could not set {name} up (exit {code})"
        config = realworld.load_config(realworld.DEFAULT_CONFIG)[name]
        path = realworld.DEFAULT_CACHE.expanduser().resolve() / "work" / config.slug
        _results[name] = json.loads((path / "result.json").read_text())
    return _results[name]


def _describe(changed: list[dict[str, Any]]) -> str:
    lines = []
    for c in changed:
        why = realworld.headline(c["details_after"] or c["details_before"])
        lines.append(f"  {c['test']}: {c['before']} -> {c['after']}  {why}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", PROJECTS)
def test_baseline_is_the_measured_one(name: str) -> None:
    r = result_for(name)
    assert r["baseline_as_expected"], (
        f"{name}: the suite before conversion gave {r['tests_before']}, expected "
        f"{r['expect_before']}: the environment drifted (pins, Python, network)")


@pytest.mark.parametrize("name", PROJECTS)
def test_no_test_changes_outcome(name: str) -> None:
    r = result_for(name)
    assert not r["changed"], (
        f"{name}: {len(r['changed'])} tests changed outcome after `txasync fix`:\n"
        + _describe(r["changed"]))


@pytest.mark.parametrize("name", PROJECTS)
def test_most_functions_are_converted(name: str) -> None:
    r = result_for(name)
    assert r["converted_share"] >= realworld.MIN_CONVERTED_SHARE, (
        f"{name}: {r['converted']} of {r['ic_before']} inlineCallbacks functions converted "
        f"({r['converted_share']:.1%}); left: {r['refusals_by_reason']}")


@pytest.mark.parametrize("name", PROJECTS)
def test_every_refusal_has_a_reason(name: str) -> None:
    r = result_for(name)
    assert not r["refusals_without_reason"], r["refusals_without_reason"]
    assert not r["left_convertible_after"], (
        f"{name}: reported convertible but still inlineCallbacks after the fix: "
        f"{r['left_convertible_after']}")
    assert r["ic_after"] == r["refused"], (
        f"{name}: {r['ic_after']} functions are still inlineCallbacks but only "
        f"{r['refused']} have a TXA002 reason")


@pytest.mark.parametrize("name", PROJECTS)
def test_fix_ran_cleanly(name: str) -> None:
    r = result_for(name)
    fix = r["fix"]
    assert fix["summary"] is not None, f"{name}: no summary from txasync fix"
    assert not fix["problems"], fix["problems"]
    assert not fix["syntax_errors"], fix["syntax_errors"]


@pytest.mark.parametrize("name", PROJECTS)
def test_audit_clean(name: str) -> None:
    r = result_for(name)
    audit = r["audit"]
    new = {k: v for k, v in audit["never_awaited_after"].items()
           if k not in audit["never_awaited_before"]}
    assert not audit["lost_yields"], f"{name}: yielded calls dropped: {audit['lost_yields']}"
    assert not new, f"{name}: coroutines never awaited after the fix: {new}"
