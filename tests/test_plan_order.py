"""`txasync plan` orders batches the way the migration write-up converted Synapse: outside in
(web resources, then handlers, then storage), least-called modules first, never by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli, write

HEAD = "from twisted.internet import defer\n\n"


def _layered(tmp_path: Path, layers: str = "") -> Path:
    """web -> handlers -> storage, two or three modules each. Names are chosen so that
    alphabetical order would be wrong: `a_store` is called most, `z_store` least."""
    root = tmp_path / "proj"
    write(root / "pyproject.toml", "[tool.txasync]\ntwisted-version = \"24.7\"\n" + layers)
    pkg = root / "app"
    for sub in ("", "web", "handlers", "storage"):
        write(pkg / sub / "__init__.py", "")
    write(pkg / "storage" / "a_store.py", HEAD + (
        "@defer.inlineCallbacks\ndef get_user(uid):\n    yield defer.succeed(None)\n"
        "    return {'id': uid}\n\n\n"
        "@defer.inlineCallbacks\ndef get_room(rid):\n    yield defer.succeed(None)\n"
        "    return {'id': rid}\n"))
    write(pkg / "storage" / "z_store.py", HEAD + (
        "@defer.inlineCallbacks\ndef get_event(eid):\n    yield defer.succeed(None)\n"
        "    return eid\n"))
    write(pkg / "handlers" / "a_rooms.py", HEAD + (
        "from app.storage import a_store\n\n\n"
        "@defer.inlineCallbacks\ndef join(uid, rid):\n"
        "    user = yield a_store.get_user(uid)\n    room = yield a_store.get_room(rid)\n"
        "    return (user, room)\n"))
    write(pkg / "handlers" / "m_events.py", HEAD + (
        "from app.storage import a_store, z_store\n\n\n"
        "@defer.inlineCallbacks\ndef send(uid, eid):\n"
        "    user = yield a_store.get_user(uid)\n    event = yield z_store.get_event(eid)\n"
        "    return (user, event)\n"))
    write(pkg / "web" / "a_rest.py", HEAD + (
        "from app.handlers import a_rooms, m_events\n\n\n"
        "@defer.inlineCallbacks\ndef on_join(request):\n"
        "    result = yield a_rooms.join(request.uid, request.rid)\n    return result\n\n\n"
        "@defer.inlineCallbacks\ndef on_send(request):\n"
        "    result = yield m_events.send(request.uid, request.eid)\n    return result\n"))
    write(pkg / "web" / "b_admin.py", HEAD + (
        "from app.handlers import m_events\n\n\n"
        "@defer.inlineCallbacks\ndef on_admin_send(request):\n"
        "    result = yield m_events.send(request.uid, request.eid)\n    return result\n"))
    return root


def _plan(capsys: pytest.CaptureFixture[str], root: Path, size: int = 2) -> dict:
    code, out, err = run_cli(capsys, "plan", "--format", "json", "--batch-size", str(size),
                             str(root))
    assert code == 0, err
    return json.loads(out)


def _modules(plan: dict) -> list[str]:
    seen: list[str] = []
    for batch in plan["batches"]:
        for fn in batch["functions"]:
            module = fn["key"].split(":")[0] if ":" in fn["key"] else fn["key"].rsplit(".", 1)[0]
            if module not in seen:
                seen.append(module)
    return seen


@pytest.mark.parametrize("layers", ["", (
    "[tool.txasync.layers]\nweb = [\"*/web/*\"]\nhandlers = [\"*/handlers/*\"]\n"
    "storage = [\"*/storage/*\"]\n")], ids=["call-graph", "configured"])
def test_plan_goes_outside_in_web_first_storage_last(tmp_path: Path, capsys, layers: str
                                                      ) -> None:
    plan = _plan(capsys, _layered(tmp_path, layers))
    modules = _modules(plan)
    assert len(modules) == 6, modules
    kinds = [m.split(".")[1] for m in modules]
    assert kinds == ["web", "web", "handlers", "handlers", "storage", "storage"], modules
    # least-called first within a layer, not by name: `z_store` (one caller) before
    # `a_store` (three), `a_rooms` (one) before `m_events` (two), `b_admin`'s caller count
    # ties `a_rest` (none), broken by depth and not by name alone
    assert modules.index("app.storage.z_store") < modules.index("app.storage.a_store")
    assert modules.index("app.handlers.a_rooms") < modules.index("app.handlers.m_events")
    # every batch stays within one layer and says which
    for batch in plan["batches"]:
        layer = batch["layer"]
        assert {fn["key"].split(".")[1] for fn in batch["functions"]} == {
            fn["key"].split(".")[1] for fn in batch["functions"]}
        if layers:
            assert layer in ("web", "handlers", "storage")
            assert all(f".{layer}." in fn["key"] for fn in batch["functions"])
        else:
            assert layer.startswith("call depth")
    assert plan["batches"][0]["layer"] == ("web" if layers else "call depth 0")
    assert plan["batches"][-1]["layer"] == ("storage" if layers else "call depth 2")


def test_plan_shows_each_batch_layer_in_text(tmp_path: Path, capsys) -> None:
    root = _layered(tmp_path, "[tool.txasync.layers]\nweb = [\"*/web/*\"]\n")
    code, out, _ = run_cli(capsys, "plan", "--batch-size", "3", str(root))
    assert code == 0
    assert "(layer web)" in out
    assert "unlayered, call depth" in out
    assert out.index("(layer web)") < out.index("unlayered")
