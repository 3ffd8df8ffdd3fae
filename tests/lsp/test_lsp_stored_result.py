"""A restart on an unchanged tree: the stored result is shown while the folder is indexed.

The server stores its first analysis of the files as they are on disk (the same entry
`txasync check` keeps), and a later start whose files, configuration and txasync are the
same publishes it for the open documents before indexing is done. To tell the stored answer
from a fresh one, the tests mark the stored messages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lsp_support import start, wait_diagnostics, wait_for

from txasync import engine
from txasync.check_cache import cache_path
from txasync.config import load_config


class Recording(dict[str, Any]):
    """`client.diagnostics`, remembering every publish in order."""

    def __init__(self) -> None:
        super().__init__()
        self.history: list[tuple[str, list[Any]]] = []

    def __setitem__(self, uri: str, diagnostics: list[Any]) -> None:
        self.history.append((uri, diagnostics))
        super().__setitem__(uri, diagnostics)


def _files(workspace: Path) -> tuple[list[str], Any]:
    config = load_config(str(workspace))
    files, _ = engine.discover([str(workspace)], config)
    return files, config


def _mark_stored(workspace: Path) -> None:
    path = cache_path(str(workspace))
    entry = json.loads(Path(path).read_text())
    for finding in entry["findings"]:
        finding["message"] = "stored: " + finding["message"]
    Path(path).write_text(json.dumps(entry))


def _handlers(workspace: Path) -> Path:
    return workspace / "legacy_app" / "handlers.py"


async def test_the_first_analysis_is_stored_as_the_check_result(client, workspace):
    files, config = _files(workspace)
    assert engine.stored_check(files, config)[1] is None
    await start(client, "visual-studio-code", workspace)
    u = client.editor.open(_handlers(workspace))
    found = await wait_diagnostics(client, u, lambda d: len(d) > 10)
    # The entry `txasync check` reads: the server's configuration with default settings is
    # the command line's, so either one's run serves the other.
    stored = await wait_for(lambda: engine.stored_check(files, config)[1])
    mine = sorted((f.code, f.message) for f in stored.findings
                  if f.path == str(_handlers(workspace)))
    assert mine == sorted((str(d.code), d.message) for d in found)


async def test_a_restart_shows_the_stored_result_until_the_first_pass(client, workspace):
    files, config = _files(workspace)
    engine.check_files(files, config)  # what `txasync check` stores
    _mark_stored(workspace)
    client.diagnostics = Recording()
    await start(client, "visual-studio-code", workspace)
    u = client.editor.open(_handlers(workspace))
    await wait_diagnostics(client, u, lambda d: d and not d[0].message.startswith("stored: "))
    shown = [d for uri, d in client.diagnostics.history if uri == u]
    assert len(shown) == 2, shown
    first, fresh = shown
    assert first and all(d.message.startswith("stored: ") for d in first)
    assert [d.message[len("stored: "):] for d in first] == [d.message for d in fresh]
    assert [d.range for d in first] == [d.range for d in fresh]
    assert [d.data for d in first] == [d.data for d in fresh]


async def test_a_changed_file_or_an_unsaved_edit_shows_nothing_stored(client, workspace):
    files, config = _files(workspace)
    engine.check_files(files, config)
    _mark_stored(workspace)
    web = workspace / "legacy_app" / "web.py"
    web.write_text(web.read_text() + "\n# edited since the check\n")
    client.diagnostics = Recording()
    await start(client, "visual-studio-code", workspace)
    u = client.editor.open(_handlers(workspace))
    await wait_diagnostics(client, u, lambda d: len(d) > 10)
    assert not any(d.message.startswith("stored: ")
                   for _, found in client.diagnostics.history for d in found)
    # The analysis of the tree as it is now replaces the stored one, for the next start.
    stored = await wait_for(lambda: engine.stored_check(files, config)[1])
    assert not any(f.message.startswith("stored: ") for f in stored.findings)


async def test_an_open_document_that_differs_from_the_disk_gets_no_stored_answer(
        client, workspace):
    files, config = _files(workspace)
    engine.check_files(files, config)
    _mark_stored(workspace)
    client.diagnostics = Recording()
    await start(client, "visual-studio-code", workspace)
    editor = client.editor
    path = _handlers(workspace)
    editor.texts = getattr(editor, "texts", {})
    u = editor.open(path)
    editor.change(u, path.read_text() + "\n# typed, not saved\n")
    await wait_diagnostics(client, u, lambda d: len(d) > 10)
    versions = [d[0].data["version"] for uri, d in client.diagnostics.history if uri == u and d]
    stored = [d for uri, d in client.diagnostics.history
              if uri == u and d and d[0].message.startswith("stored: ")]
    # Version 1 (the disk's text) may have been shown from the store; version 2 never.
    assert all(d[0].data["version"] == 1 for d in stored), versions
