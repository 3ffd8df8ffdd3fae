"""What the protocol tests share: a workspace copy, documents the client edits, applying edits.

The pytest-lsp client does not apply `workspace/applyEdit` on its own; `Editor` does what an
editor does with one: open documents change in memory (and the server gets `didChange`),
other files change on disk (and the server gets `didChangeWatchedFiles`, as from a watcher).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "legacy_app"
PROFILES = ["visual-studio-code", "neovim", "emacs"]
SERVER = [sys.executable, "-m", "txasync", "lsp"]


def copy_example(dest: Path) -> Path:
    """A private copy of examples/legacy_app (the package and its trial tests)."""
    root = dest / "legacy_app_ws"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("_trial_temp*", "__pycache__"))
    return root


def run_trial(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-m", "twisted.trial", "legacy_app"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120)


def uri(path: Path) -> str:
    return path.resolve().as_uri()


def capabilities(profile: str, **extra: Any) -> types.ClientCapabilities:
    caps = client_capabilities(profile)
    if extra.get("pull"):
        caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
            dynamic_registration=False, related_document_support=False)
        caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
            refresh_support=True)
    return caps


def apply_text_edits(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    """Apply LSP edits the way an editor does (positions in `encoding` units)."""
    lines = text.splitlines(keepends=True)
    if not lines or text.endswith(("\n", "\r")):
        lines.append("")

    def offset(pos: types.Position) -> int:
        before = sum(len(line) for line in lines[:pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        content = line.rstrip("\r\n")
        units = 0
        for index, ch in enumerate(content):
            if units >= pos.character:
                return before + index
            if encoding == "utf-16":
                units += 2 if ord(ch) > 0xFFFF else 1
            elif encoding == "utf-8":
                units += len(ch.encode("utf-8"))
            else:
                units += 1
        return before + len(content)

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


class Editor:
    """Open documents with versions, as a client keeps them."""

    def __init__(self, client: LanguageClient, encoding: str = "utf-16") -> None:
        self.client = client
        self.encoding = encoding
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.applied: list[types.WorkspaceEdit] = []

    def open(self, path: Path) -> str:
        u = uri(path)
        text = path.read_text(encoding="utf-8")
        self.texts[u], self.versions[u] = text, 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=u, language_id="python", version=1,
                                                 text=text)))
        return u

    def change(self, u: str, text: str) -> int:
        self.versions[u] += 1
        self.texts[u] = text
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=u,
                                                                version=self.versions[u]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.versions[u]

    def close(self, u: str) -> None:
        self.texts.pop(u)
        self.versions.pop(u)
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=u)))

    def save_all(self) -> None:
        """Write open documents to disk (what :wall / Save All does)."""
        for u, text in self.texts.items():
            Path(types_uri_to_path(u)).write_text(text, encoding="utf-8")

    def apply(self, edit: types.WorkspaceEdit) -> bool:
        """Apply a WorkspaceEdit: open documents in memory, the rest on disk."""
        self.applied.append(edit)
        per_uri: list[tuple[str, int | None, list[types.TextEdit]]] = []
        for change in edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit), change
            per_uri.append((change.text_document.uri, change.text_document.version,
                            list(change.edits)))  # type: ignore[arg-type]
        for u, edits in (edit.changes or {}).items():
            per_uri.append((u, None, list(edits)))
        for u, version, _ in per_uri:
            if u in self.texts and version is not None and version != self.versions[u]:
                return False  # what real clients do with an edit for an old version
        watched = []
        for u, _, edits in per_uri:
            if u in self.texts:
                self.change(u, apply_text_edits(self.texts[u], edits, self.encoding))
            else:
                path = Path(types_uri_to_path(u))
                path.write_text(apply_text_edits(path.read_text(encoding="utf-8"), edits,
                                                 self.encoding), encoding="utf-8")
                watched.append(types.FileEvent(uri=u, type=types.FileChangeType.Changed))
        if watched:
            self.client.workspace_did_change_watched_files(
                types.DidChangeWatchedFilesParams(changes=watched))
        return True


def types_uri_to_path(u: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(u).path)


async def wait_for(predicate: Any, timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy; return its value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(predicate, '__name__', '')}")
        await asyncio.sleep(interval)


def diagnostics(client: LanguageClient, u: str) -> list[types.Diagnostic]:
    return list(client.diagnostics.get(u, ()))


async def wait_diagnostics(client: LanguageClient, u: str, predicate: Any = None,
                           timeout: float = 20.0) -> list[types.Diagnostic]:
    def ready() -> Any:
        if u not in client.diagnostics:
            return None
        found = diagnostics(client, u)
        if predicate is None or predicate(found):
            return found or [None]
        return None

    found = await wait_for(ready, timeout)
    return [d for d in found if d is not None]


def line_of(text: str, needle: str, nth: int = 0) -> int:
    hits = [i for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[nth]


def position_of(text: str, needle: str, encoding: str = "utf-16", nth: int = 0
                ) -> types.Position:
    line = line_of(text, needle, nth)
    content = text.splitlines()[line]
    col = content.index(needle)
    prefix = content[:col]
    if encoding == "utf-16":
        units = len(prefix.encode("utf-16-le")) // 2
    elif encoding == "utf-8":
        units = len(prefix.encode("utf-8"))
    else:
        units = len(prefix)
    return types.Position(line, units)


async def start(client: LanguageClient, profile: str, *roots: Path,
                options: Any = None, **caps: Any) -> types.InitializeResult:
    """Initialize like the given editor would, with `roots` as workspace folders."""
    folders = [types.WorkspaceFolder(uri=uri(r), name=r.name) for r in roots]
    result = await client.initialize_session(types.InitializeParams(
        capabilities=capabilities(profile, **caps),
        workspace_folders=folders or None,
        root_uri=folders[0].uri if folders else None,
        initialization_options=options))
    encoding = result.capabilities.position_encoding or "utf-16"
    client.editor.encoding = str(getattr(encoding, "value", encoding))  # type: ignore
    return result


# Appended to web.py: one more caller of AccountHandler.close_account that needs a wrap.
EXTRA_CALLER = """

def close_quietly(handler: handlers.AccountHandler, name):
    handler.close_account(name)
"""


def close_account_message(found: list[types.Diagnostic]) -> str:
    return next(d.message for d in found if d.code == "TXA001" and "`close_account`" in d.message)


RESOLVES = {"visual-studio-code": True, "neovim": True, "emacs": False}
VERSIONED = {"visual-studio-code": True, "neovim": False, "emacs": True}


def find(found: list[types.Diagnostic], code: str, needle: str) -> types.Diagnostic:
    return next(d for d in found if d.code == code and needle in d.message)


async def actions_at(client, u: str, rng: types.Range, diags=(), only=None):
    result = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=u), range=rng,
        context=types.CodeActionContext(diagnostics=list(diags), only=only)))
    for action in result or []:
        assert isinstance(action, types.CodeAction), action  # never a bare Command
        assert action.command is None
    return list(result or [])


async def resolved(client, action: types.CodeAction, profile: str) -> types.CodeAction:
    if RESOLVES[profile]:
        assert action.edit is None  # computed lazily, in codeAction/resolve
        action = await client.code_action_resolve_async(action)
    assert action.edit is not None
    return action


def edited_uris(edit: types.WorkspaceEdit) -> dict[str, int | None]:
    if edit.document_changes:
        return {c.text_document.uri: c.text_document.version for c in edit.document_changes}
    return {u: None for u in edit.changes or {}}


def line_range(text: str, needle: str) -> types.Range:
    line = next(i for i, x in enumerate(text.splitlines()) if needle in x)
    return types.Range(types.Position(line, 0), types.Position(line, 0))
