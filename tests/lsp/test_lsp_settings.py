"""Settings (pyproject < initializationOptions < workspace/configuration), multi-root
workspaces, fix on save, and files changed outside the editor."""

from __future__ import annotations

import shutil

from lsp_support import (
    EXTRA_CALLER,
    apply_text_edits,
    close_account_message,
    copy_example,
    start,
    uri,
    wait_diagnostics,
    wait_for,
)
from lsprotocol import types


async def debug_info(client) -> dict:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="txasync.debugInfo", arguments=[]))


async def test_settings_precedence_and_multi_root(client, tmp_path):
    a = copy_example(tmp_path / "a")
    b = copy_example(tmp_path / "b")
    (a / "pyproject.toml").write_text(
        '[tool.txasync]\ntwisted-version = "22.4"\nignore = ["TXA001"]\n')
    client.set_configuration({"twistedVersion": "25.5", "select": ["TXA003"]},
                             section="txasync", scope_uri=uri(b))
    await start(client, "neovim", a, b, options={"twistedVersion": "23.10"})
    editor = client.editor
    ua = editor.open(a / "legacy_app" / "handlers.py")
    ub = editor.open(b / "legacy_app" / "handlers.py")
    found_a = await wait_diagnostics(client, ua, lambda d: len(d) > 5)
    found_b = await wait_diagnostics(client, ub, lambda d: len(d) > 5)
    assert {d.code for d in found_a} == {"TXA003", "TXA004"}  # pyproject ignores TXA001
    assert {d.code for d in found_b} == {"TXA003"}  # the editor's select for folder b

    info = await debug_info(client)
    folders = {f["root"]: f for f in info["folders"]}
    assert folders[str(a)]["config"]["twistedVersion"] == "23.10"  # editor over pyproject
    assert folders[str(a)]["config"]["ignore"] == ["TXA001"]
    assert folders[str(b)]["config"]["twistedVersion"] == "25.5"
    assert folders[str(b)]["settings"]["select"] == ["TXA003"]
    assert info["positionEncoding"] == "utf-8"  # Neovim prefers UTF-8

    # Folders come and go.
    c = copy_example(tmp_path / "c")
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(
            added=[types.WorkspaceFolder(uri=uri(c), name="c")],
            removed=[types.WorkspaceFolder(uri=uri(b), name="b")])))
    await wait_for(lambda: True)
    info = await debug_info(client)
    assert sorted(f["root"] for f in info["folders"]) == sorted([str(a), str(c)])
    uc = editor.open(c / "legacy_app" / "handlers.py")
    found_c = await wait_diagnostics(client, uc, lambda d: len(d) > 5)
    assert "TXA001" in {d.code for d in found_c}
    shutil.rmtree(b)


async def test_fix_on_save(client, workspace):
    await start(client, "emacs", workspace, options={"fixOnSave": True})
    editor = client.editor
    u = editor.open(workspace / "legacy_app" / "handlers.py")
    await wait_diagnostics(client, u, lambda d: len(d) > 10)
    params = types.WillSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=u),
        reason=types.TextDocumentSaveReason.Manual)
    edits = await client.text_document_will_save_wait_until_async(params)
    assert edits
    fixed = apply_text_edits(editor.texts[u], list(edits), editor.encoding)
    assert fixed.count("returnValue(") < editor.texts[u].count("returnValue(")
    assert "        return limit\n" in fixed and "async def" not in fixed
    client.set_configuration({"fixOnSave": False}, section="txasync", scope_uri=uri(workspace))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await wait_for(lambda: True)
    for _ in range(50):
        if not await client.text_document_will_save_wait_until_async(params):
            break
    assert not await client.text_document_will_save_wait_until_async(params)


async def test_files_changed_on_disk(client, workspace):
    await start(client, "visual-studio-code", workspace)
    await wait_for(lambda: any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
                               for r in getattr(client, "registrations", [])))
    editor = client.editor
    u = editor.open(workspace / "legacy_app" / "handlers.py")
    found = await wait_diagnostics(client, u, lambda d: len(d) > 10)
    assert "1 caller will be wrapped" in close_account_message(found)
    web = workspace / "legacy_app" / "web.py"
    web.write_text(web.read_text() + EXTRA_CALLER)  # e.g. `git checkout`
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=uri(web), type=types.FileChangeType.Changed)]))
    await wait_diagnostics(client, u, lambda d: "2 callers will be wrapped"
                           in close_account_message(d))
    web.unlink()
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=uri(web), type=types.FileChangeType.Deleted)]))
    await wait_diagnostics(client, u, lambda d: "ensureDeferred (web.py)"
                           not in close_account_message(d))
