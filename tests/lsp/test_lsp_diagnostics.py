"""Diagnostics: fields, positions per encoding, cross-file refresh, close, pull, syntax errors."""

from __future__ import annotations

import os

import pytest
from lsp_support import (
    EXTRA_CALLER,
    PROFILES,
    close_account_message,
    diagnostics,
    position_of,
    start,
    uri,
    wait_diagnostics,
    wait_for,
)
from lsprotocol import types

UNICODE_MODULE = '''from twisted.internet import defer


@defer.inlineCallbacks
def greet(d):
    x = yield d
    label = "€ü 🎉"; defer.returnValue(x)
'''


def by_code(found: list[types.Diagnostic], code: str) -> list[types.Diagnostic]:
    return [d for d in found if d.code == code]


@pytest.mark.parametrize("profile", PROFILES)
async def test_diagnostics_fields_positions_and_refresh(client, workspace, profile):
    (workspace / "legacy_app" / "i18n.py").write_text(UNICODE_MODULE, encoding="utf-8")
    result = await start(client, profile, workspace)
    assert result.capabilities.diagnostic_provider is None  # no refresh support: push
    editor = client.editor
    handlers = editor.open(workspace / "legacy_app" / "handlers.py")
    found = await wait_diagnostics(client, handlers, lambda d: len(d) > 10)

    convertible = by_code(found, "TXA001")
    assert convertible, found
    first = convertible[0]
    assert first.source == "txasync"
    assert first.code_description.href.endswith("#txa001")
    assert first.severity == types.DiagnosticSeverity.Information
    assert first.data["code"] == "TXA001"
    assert first.data["key"] == "legacy_app.handlers:AccountHandler.audit"
    assert first.data["version"] == 1
    start_pos = position_of(editor.texts[handlers], "def audit", editor.encoding)
    assert first.range.start == types.Position(start_pos.line, start_pos.character + 4)

    deprecated = by_code(found, "TXA003")
    assert deprecated and all(list(d.tags) == [types.DiagnosticTag.Deprecated] for d in deprecated)
    assert all(d.severity == types.DiagnosticSeverity.Hint for d in deprecated)
    assert all(d.data["key"].startswith("legacy_app.handlers:AccountHandler.")
               for d in deprecated)

    # Columns are in the negotiated encoding (UTF-16 for VS Code, UTF-8 for Neovim,
    # UTF-32 for Emacs), after a line with characters outside the BMP.
    i18n = editor.open(workspace / "legacy_app" / "i18n.py")
    found = await wait_diagnostics(client, i18n, lambda d: by_code(d, "TXA003"))
    rv = by_code(found, "TXA003")[0]
    expected = position_of(editor.texts[i18n], "defer.returnValue", editor.encoding)
    assert rv.range.start == expected

    # A file's findings depend on others: a new caller in web.py that needs a wrap changes
    # the TXA001 message in handlers.py, which is republished without being touched.
    web = editor.open(workspace / "legacy_app" / "web.py")
    assert "1 caller will be wrapped" in close_account_message(diagnostics(client, handlers))
    editor.change(web, editor.texts[web] + EXTRA_CALLER)
    await wait_diagnostics(client, handlers, lambda d: "2 callers will be wrapped"
                           in close_account_message(d))

    # Closing clears.
    editor.close(i18n)
    await wait_for(lambda: diagnostics(client, i18n) == [] and i18n in client.diagnostics)


async def test_syntax_error_keeps_other_findings(client, workspace):
    await start(client, "neovim", workspace)
    editor = client.editor
    u = editor.open(workspace / "legacy_app" / "handlers.py")
    before = await wait_diagnostics(client, u, lambda d: len(d) > 10)
    original = editor.texts[u]
    # Half-typed statement near the top: the rest of the file keeps its findings, moved down.
    broken = original.replace("LIMIT_KEY = ", "def broken(:\n    pass\nLIMIT_KEY = ", 1)
    editor.change(u, broken)
    await wait_for(lambda: diagnostics(client, u) and diagnostics(client, u)[0].range.start.line
                   == before[0].range.start.line + 2)
    after = diagnostics(client, u)
    assert [(d.code, d.range.start.line + 0) for d in after] == [
        (d.code, d.range.start.line + 2) for d in before]
    # The server still answers requests on the broken document.
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=u),
        position=position_of(broken, "def create_account", editor.encoding)))
    assert hover is None or "create_account" in hover.contents.value
    # A line that changed loses its finding; fixing the file brings everything back.
    editor.change(u, original)
    await wait_for(lambda: [(d.code, d.range.start.line) for d in diagnostics(client, u)]
                   == [(d.code, d.range.start.line) for d in before])


async def test_pull_diagnostics_with_refresh(client, workspace):
    result = await start(client, "visual-studio-code", workspace, pull=True)
    provider = result.capabilities.diagnostic_provider
    assert provider is not None and provider.inter_file_dependencies is True
    editor = client.editor
    handlers = editor.open(workspace / "legacy_app" / "handlers.py")
    web = editor.open(workspace / "legacy_app" / "web.py")

    async def pull(u: str, previous: str | None = None):
        return await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=u), previous_result_id=previous))

    report = await pull(handlers)
    assert report.kind == "full"
    assert "1 caller will be wrapped" in close_account_message(report.items)
    again = await pull(handlers, report.result_id)
    assert again.kind == "unchanged" and again.result_id == report.result_id
    await pull(web)
    assert handlers not in client.diagnostics  # pull clients get no pushes

    refreshes = client.diagnostic_refresh_count
    editor.change(web, editor.texts[web] + EXTRA_CALLER)
    await wait_for(lambda: client.diagnostic_refresh_count > refreshes)
    report = await pull(handlers, report.result_id)
    assert report.kind == "full"
    assert "2 callers will be wrapped" in close_account_message(report.items)


async def test_severity_from_settings(client, workspace):
    options = {"txasync": {"severity": {"TXA003": "warning", "TXA004": "off"}}}
    client.set_configuration({"codeLens": False}, section="txasync",
                             scope_uri=uri(workspace))
    await start(client, "visual-studio-code", workspace, options=options)
    u = client.editor.open(workspace / "legacy_app" / "handlers.py")
    found = await wait_diagnostics(client, u, lambda d: by_code(d, "TXA003"))
    assert all(d.severity == types.DiagnosticSeverity.Warning for d in by_code(found, "TXA003"))
    assert not by_code(found, "TXA004")
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=u)))
    assert list(lenses) == []

    # workspace/didChangeConfiguration: the server asks again and republishes.
    client.set_configuration({"severity": {"TXA003": "error"}, "codeLens": True},
                             section="txasync", scope_uri=uri(workspace))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await wait_for(lambda: by_code(diagnostics(client, u), "TXA003") and all(
        d.severity == types.DiagnosticSeverity.Error
        for d in by_code(diagnostics(client, u), "TXA003")))
    assert not by_code(diagnostics(client, u), "TXA004")  # initializationOptions still apply
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=u)))
    assert lenses


@pytest.mark.asyncio
async def test_the_first_load_fills_the_facts_cache_check_shares(client, workspace):
    """The server's first load keeps each file's facts in `.txasync/cache/facts` (the cache
    `txasync check` reads too), so the next start parses only what changed since."""
    from txasync import facts_cache

    await start(client, "visual-studio-code", workspace)
    handlers = client.editor.open(workspace / "legacy_app" / "handlers.py")
    await wait_diagnostics(client, handlers, lambda d: len(d) > 10)
    stored = os.listdir(facts_cache.facts_dir(str(workspace)))
    sources = [p for p in workspace.rglob("*.py") if ".txasync" not in p.parts]
    assert len(stored) >= len(sources) - 1, (stored, sources)
