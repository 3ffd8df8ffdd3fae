"""The language server reads a project's code and never runs it: diagnostics, hover (the
callers report, with the jedi second opinion asked for), code lens and code actions on the
workspace of test_no_execution.py, whose every module writes a marker file when imported."""

from __future__ import annotations

from pathlib import Path

from lsp_support import position_of, start, wait_diagnostics
from lsprotocol import types

from test_no_execution import make_workspace


async def test_server_never_imports_the_project(client, tmp_path: Path) -> None:
    marker = tmp_path / "IMPORTED"
    root = make_workspace(tmp_path / "ws", marker)
    await start(client, "visual-studio-code", root, options={"jedi": True})
    editor = client.editor
    for rel, needle in [("trapped/service.py", "def fetch"), ("trapped/store.py", "def get")]:
        u = editor.open(root / rel)
        await wait_diagnostics(client, u, lambda d: any(x.code in ("TXA001", "TXA002") for x in d))
        text = editor.texts[u]
        pos = position_of(text, needle, editor.encoding)
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=u),
            position=types.Position(pos.line, pos.character + 5)))
        assert hover is not None and "callers" in hover.contents.value  # type: ignore[union-attr]
        await client.text_document_code_lens_async(types.CodeLensParams(
            text_document=types.TextDocumentIdentifier(uri=u)))
        await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=u),
            range=types.Range(pos, pos), context=types.CodeActionContext(diagnostics=[])))
    # jedi's inference of `box[0].get('k')` (trapped/service.py) ran for the hover of `get`.
    assert not marker.exists(), marker.read_text()
