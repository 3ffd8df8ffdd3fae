"""Hover (callers, what each needs, links) and code lens (cost, click to convert)."""

from __future__ import annotations

import pytest
from lsp_support import PROFILES, actions_at, find, position_of, resolved, start, wait_diagnostics
from lsprotocol import types


async def hover_at(client, u: str, text: str, needle: str, offset: int = 0):
    pos = position_of(text, needle, client.editor.encoding)
    return await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=u),
        position=types.Position(pos.line, pos.character + offset)))


@pytest.mark.parametrize("profile", PROFILES)
async def test_hover_lists_callers(client, workspace, profile):
    await start(client, profile, workspace)
    editor = client.editor
    handlers = editor.open(workspace / "legacy_app" / "handlers.py")
    await wait_diagnostics(client, handlers, lambda d: len(d) > 10)
    text = editor.texts[handlers]

    hover = await hover_at(client, handlers, text, "def create_account", offset=6)
    assert hover is not None and hover.contents.kind == types.MarkupKind.Markdown
    body = hover.contents.value
    assert "legacy_app.handlers:AccountHandler.create_account" in body
    assert "Convertible to `async def`" in body
    assert "need `ensureDeferred`" in body
    service_tests = (workspace / "legacy_app" / "tests" / "test_service.py").as_uri()
    assert f"[legacy_app/tests/test_service.py:19]({service_tests}#L19)" in body
    assert "its result is passed to `self.settle`" in body
    assert "**Fine**" in body  # the `yield`s in inlineCallbacks tests (Twisted >= 24.7)
    assert hover.range is not None and hover.range.start.line == \
        position_of(text, "def create_account").line

    # At a call, in another file: the same function.
    web = editor.open(workspace / "legacy_app" / "web.py")
    call = await hover_at(client, web, editor.texts[web], "self.handler.create_account(",
                          offset=len("self.handler."))
    assert call is not None and "AccountHandler.create_account" in call.contents.value

    # Blocked: the reason. Plain function: nothing.
    service = editor.open(workspace / "legacy_app" / "service.py")
    blocked = await hover_at(client, service, editor.texts[service], "def stopService", 5)
    assert blocked is not None and "Blocked: Twisted calls `stopService`" in \
        blocked.contents.value
    assert await hover_at(client, handlers, text, "def account_key", offset=5) is None

    # The blocked function's code actions: disabled "Convert to async" with the reason
    # (where the client can show disabled actions), and "Convert keeping the Deferred API".
    await check_blocked_actions(client, service, profile)


@pytest.mark.parametrize("profile", ["visual-studio-code", "neovim"])
async def test_code_lens_and_clicking_it(client, workspace, profile):
    await start(client, profile, workspace)
    editor = client.editor
    handlers = editor.open(workspace / "legacy_app" / "handlers.py")
    await wait_diagnostics(client, handlers, lambda d: len(d) > 10)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=handlers)))
    titles = {lens.command.arguments[1].rsplit(".", 1)[1]: lens.command.title
              for lens in lenses}
    assert titles["create_account"] == "6 callers need ensureDeferred"
    assert titles["total_balance"] == "convertible"
    assert all(lens.command.command == "txasync.convertFunction" for lens in lenses)
    service = editor.open(workspace / "legacy_app" / "service.py")
    lenses_service = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=service)))
    assert any(lens.command.title.startswith("blocked: Twisted calls `stopService`")
               for lens in lenses_service)

    # Clicking a lens: the server converts through workspace/applyEdit.
    lens = next(x for x in lenses if x.command.arguments[1].endswith(".list_accounts"))
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=lens.command.command, arguments=lens.command.arguments))
    assert result["applied"] is True
    assert "async def list_accounts" in editor.texts[handlers]
    web = (workspace / "legacy_app" / "web.py").read_text()
    assert "ensureDeferred(self.handler.list_accounts())" in web
    # Blocked: refused with the reason, nothing applied.
    stop = next(x for x in lenses_service if x.command.title.startswith("blocked"))
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=stop.command.command, arguments=stop.command.arguments))
    assert result["applied"] is False and "stopService" in result["reason"]
    assert any("stopService" in m.message for m in client.messages)


async def check_blocked_actions(client, u: str, profile: str) -> None:
    """Run from the hover test (same server, service.py open)."""
    editor = client.editor
    found = await wait_diagnostics(client, u, lambda d: any(x.code == "TXA002" for x in d))
    blocked = find(found, "TXA002", "`stopService`")
    actions = await actions_at(client, u, blocked.range, [blocked])
    disabled = [a for a in actions if a.disabled is not None]
    if profile == "visual-studio-code":  # the only profile with disabledSupport
        assert [a.title for a in disabled] == ["Convert to async"]
        assert "Twisted calls `stopService`" in disabled[0].disabled.reason
    else:
        assert not disabled
    keep = next(a for a in actions if a.title == "Convert keeping the Deferred API")
    keep = await resolved(client, keep, profile)
    assert editor.apply(keep.edit)
    assert "async def" in editor.texts[u]
    assert "def stopService(self):" in editor.texts[u]
