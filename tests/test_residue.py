"""`txasync check --stats`: what holds conversions back, grouped by the site or name each
reason points at, so one annotation shows up as the row that frees 3 functions."""

from __future__ import annotations

import json
import pickle
import textwrap
from pathlib import Path

import pytest

from txasync.analysis.reasons import Reason
from txasync.cli import main

PROJECT = textwrap.dedent('''
    from twisted.internet import defer


    class A:
        @defer.inlineCallbacks
        def run(self):
            yield defer.succeed(None)


    class B:
        @defer.inlineCallbacks
        def run(self):
            yield defer.succeed(None)


    class C:
        @defer.inlineCallbacks
        def run(self):
            yield defer.succeed(None)


    @defer.inlineCallbacks
    def typed(a: A):
        yield a.run()


    def kick_all(workers):
        return [w.run() for w in workers]
''')


def _stats(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    (tmp_path / "pyproject.toml").write_text("[tool.txasync]\ntwisted-version = \"24.7\"\n")
    (tmp_path / "app.py").write_text(PROJECT)
    main(["check", "--stats", *extra, str(tmp_path)])
    return capsys.readouterr().out


def test_stats_groups_keep_api_by_the_site_that_causes_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _stats(tmp_path, capsys)
    assert out.splitlines()[0] == (
        "4 inlineCallbacks functions: 1 become plain `async def`, 3 keep a Deferred API "
        "(75% of conversions), 0 refused.")
    row = next(line for line in out.splitlines() if "unknown receiver" in line)
    assert row.split()[0] == "3"
    assert row.rstrip().endswith("app.py:29 (app:A.run, app:B.run, app:C.run)")


def test_stats_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_stats(tmp_path, capsys, "--format", "json"))
    assert (data["plain"], data["keep_api"], data["refused"]) == (1, 3, 0)
    assert data["keep_api_share"] == 0.75
    [cause] = data["causes"]
    assert cause["kind"] == "unknown-receiver" and cause["where"].endswith("app.py:29")
    assert cause["functions"] == ["app:A.run", "app:B.run", "app:C.run"]


def test_reason_keeps_its_site_across_processes() -> None:
    reason = pickle.loads(pickle.dumps(Reason("unknown-receiver", "text", where="a.py:3")))
    assert (reason.kind, reason.where, str(reason)) == ("unknown-receiver", "a.py:3", "text")
