"""A server that keeps serving: cancellation, a 50,000-line file, undecodable bytes, bad
requests."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lsp_support import position_of, start, uri, wait_diagnostics, wait_for
from lsprotocol import types


def chain_module(index: int, functions: int = 12) -> str:
    """A module of inlineCallbacks functions, each calling the previous module's."""
    lines = ["from twisted.internet import defer", ""]
    if index:
        lines.insert(0, f"from pkg import mod{index - 1}")
    for n in range(functions):
        callee = f"mod{index - 1}.f{n}(x)" if index else "defer.succeed(x)"
        lines += ["", "@defer.inlineCallbacks", f"def f{n}(x):",
                  f"    a = yield {callee}", "    b = a + 1", "    c = [b] * 3",
                  "    defer.returnValue(sum(c))", ""]
        lines += [f"def use{n}(x):", f"    return f{n}(x).addCallback(print)", ""]
    return "\n".join(lines) + "\n"


def make_chain(root: Path, modules: int) -> None:
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for i in range(modules):
        (pkg / f"mod{i}.py").write_text(chain_module(i))


async def test_cancelling_a_long_conversion(client, tmp_path):
    make_chain(tmp_path, 60)
    await start(client, "visual-studio-code", tmp_path)
    u = client.editor.open(tmp_path / "pkg" / "mod3.py")
    await wait_diagnostics(client, u, lambda d: len(d) > 10, timeout=60)

    def convert_progress() -> list:
        return [v for t, v in client.progress_reports.items()
                if str(t).startswith("txasync-convert-") and v]

    # $/cancelRequest once the work has started: RequestCancelled, and nothing applied.
    params = types.ExecuteCommandParams(command="txasync.convertWorkspace", arguments=[])
    future = asyncio.ensure_future(client.protocol.send_request_async(
        types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="convert-1"))
    await wait_for(lambda: any(r.kind == "report" for v in convert_progress() for r in v))
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="convert-1"))
    with pytest.raises(Exception) as caught:
        await asyncio.wait_for(future, 30)
    assert "cancel" in str(caught.value).lower()
    await wait_for(lambda: any(r.kind == "end" for v in convert_progress() for r in v))
    await asyncio.sleep(0.5)
    assert client.editor.applied == []
    assert "async def" not in (tmp_path / "pkg" / "mod0.py").read_text()

    # The user cancels the progress instead: the command ends early, nothing applied.
    client.progress_reports.clear()
    task = asyncio.ensure_future(client.workspace_execute_command_async(params))
    token = await wait_for(lambda: next((t for t, v in client.progress_reports.items()
                                         if str(t).startswith("txasync-convert-")
                                         and any(r.kind == "report" for r in v)), None))
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    result = await asyncio.wait_for(task, 30)
    assert result == {"applied": False, "cancelled": True}
    assert client.editor.applied == []

    # Still serving.
    text = client.editor.texts[u]
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=u),
        position=position_of(text, "f0(x):", "utf-16")))
    assert hover is not None and "pkg.mod3:f0" in hover.contents.value


def huge_module(lines: int) -> str:
    out = ["from twisted.internet import defer", ""]
    n = 0
    while len(out) < lines - 12:
        if n % 50 == 0:
            out += ["", "@defer.inlineCallbacks", f"def step{n}(d):", "    x = yield d",
                    "    defer.returnValue(x)", ""]
        else:
            out.append(f"# {n}: filler comment, the kind generated code and vendored tables have")
        n += 1
    out += [""] * (lines - len(out))
    return "\n".join(out) + "\n"


async def test_huge_file_and_undecodable_bytes(client, workspace):
    pkg = workspace / "legacy_app"
    (pkg / "huge.py").write_text(huge_module(50_000))
    (pkg / "latin1.py").write_bytes(b"# caf\xe9 without a coding cookie\nX = 1\n")
    (pkg / "binary.py").write_bytes(b"\x00\x01\x02 not python\n")
    await start(client, "visual-studio-code", workspace)
    editor = client.editor
    u = editor.open(pkg / "huge.py")
    assert len(editor.texts[u].splitlines()) == 50_000
    found = await wait_diagnostics(client, u, lambda d: len(d) > 100, timeout=90)
    assert found[-1].range.start.line > 49_000
    editor.change(u, editor.texts[u].replace("def step0(", "def stepzero(", 1))
    await wait_diagnostics(client, u, lambda d: any("stepzero" in x.message for x in d),
                           timeout=90)
    handlers = editor.open(pkg / "handlers.py")
    await wait_diagnostics(client, handlers, lambda d: len(d) > 10)
    # The undecodable files are reported (log) and skipped, never fatal.
    info = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="txasync.debugInfo", arguments=[]))
    assert info["folders"][0]["unreadable"] == 2
    told = sum("latin1.py" in m.message for m in client.log_messages)
    assert told
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=uri(pkg / "latin1.py"), type=types.FileChangeType.Changed)]))
    # Read again by the next pass, in its worker thread: still reported, by the event loop.
    await wait_for(lambda: sum("latin1.py" in m.message for m in client.log_messages) > told,
                   timeout=60)
    # Requests with nonsense in them get an answer, not a dead server.
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri(pkg / "nope.py")),
        position=types.Position(10_000, 10_000)))
    assert hover is None
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=handlers),
        range=types.Range(types.Position(99_999, 0), types.Position(99_999, 5)),
        context=types.CodeActionContext(diagnostics=[])))
    assert [a for a in actions or [] if a.kind == types.CodeActionKind.QuickFix] == []
    resolved = await client.code_action_resolve_async(types.CodeAction(
        title="x", data={"txasync": "fix", "uri": handlers, "code": "TXA003", "key": "nope"}))
    assert resolved.edit is None
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=handlers),
        position=position_of(editor.texts[handlers], "create_account(self", "utf-16")))
    assert hover is not None


def test_tcp(tmp_path):
    """`txasync lsp --tcp HOST:PORT`: one connection, the same protocol, a clean exit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "txasync", "lsp", "--tcp",
                             f"127.0.0.1:{port}"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        with conn:
            def send(message: dict) -> None:
                body = json.dumps({"jsonrpc": "2.0", **message}).encode()
                conn.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)

            send({"id": 1, "method": "initialize",
                  "params": {"processId": None, "rootUri": None, "capabilities": {}}})
            received = b""
            while b'"id": 1' not in received:
                received += conn.recv(65536)
            assert b'"codeActionProvider"' in received and b'"txasync"' in received
            send({"id": 2, "method": "shutdown"})
            send({"method": "exit"})
            assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert b"Traceback" not in proc.stderr.read()


def test_exit_while_indexing(tmp_path):
    """The client says exit while a big folder is still being indexed (an editor closed
    right after opening it): the server leaves at once and cleanly. The indexing task,
    cancelled on the way out, must not report its progress to a client that is gone: that
    once failed, and each failure to send was reported by sending again, filling stderr
    until the server hung writing to it."""
    make_chain(tmp_path, 300)
    proc = subprocess.Popen([sys.executable, "-m", "txasync", "lsp"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)

    def send(message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        proc.stdin.flush()

    def receive() -> dict:
        length = 0
        while True:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()[-2000:]
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(proc.stdout.read(length))

    try:
        send({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": uri(tmp_path),
            "capabilities": {"window": {"workDoneProgress": True}}}})
        while receive().get("id") != 1:
            pass
        send({"method": "initialized", "params": {}})
        while True:  # indexing has begun once its progress is under way
            message = receive()
            if message.get("method") == "window/workDoneProgress/create":
                send({"id": message["id"], "result": None})
            if message.get("method") == "$/progress":
                break
        send({"id": 2, "method": "shutdown"})
        send({"method": "exit"})
        out, err = proc.communicate(timeout=60)  # reads both pipes: none can fill
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert b"Error sending data" not in err and b"Traceback" not in err, err[-3000:]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc")
async def test_no_helper_process_outlives_indexing(client, tmp_path):
    """A folder big enough to be indexed by worker processes: once it is indexed, the server
    runs alone. The standard library keeps a forkserver and a resource tracker for later
    pools (25 MB on Twisted's tree, for the server's whole life) unless told to stop."""
    make_chain(tmp_path, 80)
    await start(client, "visual-studio-code", tmp_path)
    u = client.editor.open(tmp_path / "pkg" / "mod3.py")
    await wait_diagnostics(client, u, lambda d: len(d) > 0)
    pid = client._server.pid
    assert await wait_for(lambda: not _children(pid), timeout=20), _children(pid)
