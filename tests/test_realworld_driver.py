"""The real-world driver's own safety: two runs of one project in one cache directory must
not measure over each other's tree (the second stops with a setup error naming the fix)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import load_realworld_driver


def test_a_second_run_of_the_same_project_stops(tmp_path: Path) -> None:
    realworld = load_realworld_driver()
    with realworld.project_lock(tmp_path, "treq-24.9.1"):
        with pytest.raises(realworld.SetupError, match="--cache-dir"):
            with realworld.project_lock(tmp_path, "treq-24.9.1"):
                pass
        with realworld.project_lock(tmp_path, "klein-24.8.0"):
            pass  # another project in the same cache is fine
    with realworld.project_lock(tmp_path, "treq-24.9.1"):
        pass  # released when the first run ends


def _trees(tmp_path: Path, before: str, after: str) -> tuple[Path, Path]:
    orig, tree = tmp_path / "orig", tmp_path / "tree"
    for root, text in ((orig, before), (tree, after)):
        root.mkdir()
        (root / "m.py").write_text(text)
    return orig, tree


def test_the_audit_finds_a_dropped_yielded_call(tmp_path: Path) -> None:
    realworld = load_realworld_driver()
    orig, tree = _trees(
        tmp_path,
        "from twisted.internet import defer\n\n@defer.inlineCallbacks\ndef f(x):\n"
        "    yield g(x)\n",
        "async def f(x):\n    pass\n")
    assert [lost["yield"] for lost in realworld.lost_yields(orig, tree)] == ["g(x)"]


def test_the_audit_accepts_txa014s_respelling_of_succeed(tmp_path: Path) -> None:
    """`yield succeed(x)` may become `await defer.maybeDeferred(lambda: x)` where x may be a
    Failure: nothing is lost, so the audit stays clean (a real project's run said otherwise)."""
    realworld = load_realworld_driver()
    orig, tree = _trees(
        tmp_path,
        "from twisted.internet import defer\n\n@defer.inlineCallbacks\ndef f(x):\n"
        "    yield defer.succeed(x.pop())\n",
        "from twisted.internet import defer\n\nasync def f(x):\n"
        "    await defer.maybeDeferred(lambda: x.pop())\n")
    assert realworld.lost_yields(orig, tree) == []
