"""workspace/executeCommand: convert a function / a file / the workspace, progress, debug."""

from __future__ import annotations

import asyncio
import re

from lsp_support import position_of, run_trial, start, wait_diagnostics
from lsprotocol import types


async def run(client, command: str, *args):
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=command, arguments=list(args)))


async def test_commands(client, workspace):
    await start(client, "visual-studio-code", workspace)
    editor = client.editor
    handlers = editor.open(workspace / "legacy_app" / "handlers.py")
    await wait_diagnostics(client, handlers, lambda d: len(d) > 10)

    report = await run(client, "txasync.showProgress")
    assert "async" in report and "inlineCallbacks" in report and report.startswith("# ")

    info = await run(client, "txasync.debugInfo")
    assert set(info["versions"]) >= {"txasync", "python", "twisted", "libcst", "jedi", "pygls"}
    assert info["versions"]["pygls"].startswith("2.")
    assert info["diagnostics"] == "push" and info["positionEncoding"] == "utf-16"
    folder = info["folders"][0]
    assert folder["root"] == str(workspace) and folder["settings"]["codeLens"] is True
    assert folder["config"]["twistedVersionSource"] == "installed"

    # By position (the cursor on the name), in the open document.
    pos = position_of(editor.texts[handlers], "def deposit")
    result = await run(client, "txasync.convertFunction", handlers,
                       {"line": pos.line, "character": pos.character + 5})
    assert result["applied"] is True
    assert result["converted"] == ["legacy_app.handlers:AccountHandler.deposit"]
    assert "async def deposit" in editor.texts[handlers]

    # A whole file, callers fixed in the other files.
    storage = (workspace / "legacy_app" / "storage.py").as_uri()
    result = await run(client, "txasync.convertFile", storage)
    assert result["applied"] is True and len(result["converted"]) >= 5
    assert "async def put" in (workspace / "legacy_app" / "storage.py").read_text()
    editor.save_all()
    proc = run_trial(workspace)
    assert proc.returncode == 0, proc.stdout[-4000:]

    # Refusals come back as results (and a message), never as a dead request.
    service = (workspace / "legacy_app" / "service.py").as_uri()
    result = await run(client, "txasync.convertFunction", service,
                       "legacy_app.service:StatsService.stopService")
    assert result["applied"] is False and "stopService" in result["reason"]
    result = await run(client, "txasync.convertFunction")
    assert result["applied"] is False


def functions_left(report: str) -> int:
    return int(re.search(r"(\d+) inlineCallbacks functions left", report).group(1))


async def test_a_command_answers_for_the_text_just_typed(client, workspace):
    """A command that reads the project (the progress report) right after an edit, with a
    pass perhaps running in its worker thread, answers for the edited text: the edit is
    applied (off the event loop, after the pass in progress) before the answer."""
    await start(client, "visual-studio-code", workspace)
    editor = client.editor
    handlers = editor.open(workspace / "legacy_app" / "handlers.py")
    await wait_diagnostics(client, handlers, lambda d: len(d) > 10)
    before = functions_left(await run(client, "txasync.showProgress"))
    # At once, and around the end of the diagnostics' debounce: then a pass may have taken
    # the edit (nothing is dirty any more) and be applying it in its worker thread.
    for n, delay in enumerate((0.0, 0.04, 0.05, 0.06, 0.08)):
        editor.change(handlers, editor.texts[handlers] + (
            f"\n\n@defer.inlineCallbacks\ndef typed_just_now_{n}(d):\n    x = yield d\n"
            "    defer.returnValue(x)\n"))
        await asyncio.sleep(delay)
        assert functions_left(await run(client, "txasync.showProgress")) == before + n + 1


async def test_convert_workspace_with_progress(client, workspace):
    await start(client, "emacs", workspace)
    result = await run(client, "txasync.convertWorkspace")
    assert result["applied"] is True and result["converted"] > 40
    tokens = [t for t in client.progress_reports if str(t).startswith("txasync-convert-")]
    assert len(tokens) == 1
    kinds = [r.kind for r in client.progress_reports[tokens[0]]]
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds
    assert client.progress_reports[tokens[0]][0].cancellable is True
    proc = run_trial(workspace)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "async def" in (workspace / "legacy_app" / "handlers.py").read_text()


async def test_a_client_that_registers_the_commands_gets_none_advertised(client, workspace):
    """The VS Code extension registers txasync's command ids itself (its palette commands
    are the server's commands): with `clientCommands`, the server leaves them out of its
    capabilities so vscode-languageclient does not register them a second time, and still
    runs them when asked."""
    result = await start(client, "visual-studio-code", workspace,
                         options={"clientCommands": True})
    assert result.capabilities.execute_command_provider is None
    report = await run(client, "txasync.showProgress")
    assert report


async def test_other_clients_get_the_commands_advertised(client, workspace):
    result = await start(client, "neovim", workspace)
    provider = result.capabilities.execute_command_provider
    assert provider is not None and "txasync.convertFunction" in provider.commands
