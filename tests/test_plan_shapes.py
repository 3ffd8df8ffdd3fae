"""`txasync plan` with the opt-in rules selected (issue 22): pass-throughs (TXA005) and
callback chains (TXA006) go into the batches next to inlineCallbacks functions, and each
batch's `apply` line converts them (it selects their codes again)."""

from __future__ import annotations

import ast
import json
import shlex
from pathlib import Path

import pytest

from helpers import run_cli as run

SOURCE = '''\
from twisted.internet import defer


@defer.inlineCallbacks
def load(key):
    value = yield defer.succeed(key)
    return value.upper()


def load_default(key):
    return load(key or "x")


def cached(key):
    if key == "hit":
        return defer.succeed("HIT")
    return load_default(key)


def shout(key):
    d = load(key)
    d.addCallback(lambda v: v + "!")
    return d


@defer.inlineCallbacks
def caller(key):
    a = yield cached(key)
    b = yield shout(key)
    return a + b
'''
SELECT = "TXA,TXA005,TXA006"


def _plan(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code, out, _ = run(capsys, "plan", "--format", "json", *args)
    assert code == 0
    return json.loads(out)


def _keys(plan: dict) -> dict[str, str]:
    return {f["key"]: f["rule"] for b in plan["batches"] for f in b["functions"]}


def test_plan_batches_pass_throughs_and_chains_when_selected(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text(SOURCE)
    without = _plan(capsys, str(tmp_path))
    assert _keys(without) == {"m:load": "TXA001", "m:caller": "TXA001"}
    assert all("--select" not in b["apply"] for b in without["batches"])

    plan = _plan(capsys, "--select", SELECT, "--batch-size", "2", str(tmp_path))
    assert _keys(plan) == {"m:load": "TXA001", "m:caller": "TXA001",
                           "m:load_default": "TXA005", "m:cached": "TXA005",
                           "m:shout": "TXA006"}
    assert plan["refused"] == []
    # outside in: `caller` (no unconverted callers) before what it calls
    order = [f["key"] for b in plan["batches"] for f in b["functions"]]
    assert order.index("m:caller") < order.index("m:cached") < order.index("m:load_default")
    # each batch's own command converts it: those with a pass-through or a chain select
    # the opt-in codes again, or `fix` would leave them as they are
    for batch in plan["batches"]:
        argv = shlex.split(batch["apply"])
        assert argv[:2] == ["txasync", "fix"]
        shapes = any(f["rule"] != "TXA001" for f in batch["functions"])
        assert ("--select" in argv) == shapes
        code, _, err = run(capsys, *argv[1:], str(tmp_path))
        assert code == 0, err
    converted = (tmp_path / "m.py").read_text()
    tree = ast.parse(converted)
    kinds = {n.name: type(n).__name__ for n in tree.body
             if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    assert kinds == dict.fromkeys(["load", "load_default", "cached", "shout", "caller"],
                                  "AsyncFunctionDef")
    assert "addCallback" not in converted and "yield" not in converted
    # nothing left to plan, and fix twice = fix once
    assert _keys(_plan(capsys, "--select", SELECT, str(tmp_path))) == {}
    code, _, _ = run(capsys, "fix", "--select", SELECT, str(tmp_path))
    assert (tmp_path / "m.py").read_text() == converted


def test_plan_text_names_the_rule_and_the_refusals_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text(SOURCE + '''

def stored(key, log):
    d = load(key)
    d.addCallback(log.append)
    log.append(d)
    return d
''')
    code, out, _ = run(capsys, "plan", "--select", SELECT, str(tmp_path))
    assert code == 0
    text = " ".join(out.split())
    assert "m:load_default (pass-through)" in text and "m:shout (callback chain)" in text
    assert f"apply: txasync fix --select {SELECT} --only" in text
    assert "`txasync check --select TXA002,TXA006` says why" in text
