"""One editor connection: what the client can do, its open documents, and logging.

Features read the client's capabilities through the small predicates here rather than
digging through `ClientCapabilities` each time, so "does this client support X" has exactly
one answer per session (and one place to fix when a client lies about it).
"""

from __future__ import annotations

import os
import traceback
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .positions import UTF16, LineIndex, line_index, normalise_encoding
from .state import Snapshot, State
from .uris import from_path, to_path


def _get(obj: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return obj


class Session:
    """Shared by every feature of one server: state, capabilities, documents, logging."""

    def __init__(self, server: LanguageServer) -> None:
        self.server = server
        self.state = State(self.open_text, self.log)
        self.encoding = UTF16
        self.initialization_options: Any = None
        self._line_cache: dict[int, LineIndex] = {}
        self.open_uris: dict[str, str] = {}  # path -> uri of documents open in the editor

    # -- capabilities --------------------------------------------------------------------
    @property
    def caps(self) -> types.ClientCapabilities:
        return self.server.client_capabilities

    def client_has(self, dotted: str) -> Any:
        return _get(self.caps, dotted)

    def negotiate(self) -> None:
        """Read what pygls negotiated (position encoding) once `initialize` has run."""
        encoding = getattr(self.server.workspace, "position_encoding", None)
        self.encoding = normalise_encoding(encoding)

    @property
    def pull_diagnostics(self) -> bool:
        """Pull only with refresh: our diagnostics depend on other files, and without
        `workspace/diagnostic/refresh` a pull client never hears that they changed."""
        return (self.client_has("text_document.diagnostic") is not None
                and bool(self.client_has("workspace.diagnostics.refresh_support")))

    @property
    def resolve_edits(self) -> bool:
        props = self.client_has("text_document.code_action.resolve_support.properties") or []
        return "edit" in props

    @property
    def disabled_actions(self) -> bool:
        return bool(self.client_has("text_document.code_action.disabled_support"))

    @property
    def document_changes(self) -> bool:
        return bool(self.client_has("workspace.workspace_edit.document_changes"))

    @property
    def markdown(self) -> bool:
        formats = self.client_has("text_document.hover.content_format") or []
        return not formats or types.MarkupKind.Markdown in formats or "markdown" in formats

    @property
    def work_done_progress(self) -> bool:
        return bool(self.client_has("window.work_done_progress"))

    @property
    def lens_refresh(self) -> bool:
        return bool(self.client_has("workspace.code_lens.refresh_support"))

    @property
    def configuration(self) -> bool:
        return bool(self.client_has("workspace.configuration"))

    @property
    def dynamic_watchers(self) -> bool:
        return bool(self.client_has("workspace.did_change_watched_files.dynamic_registration"))

    # -- documents -----------------------------------------------------------------------
    async def begin_progress(self, kind: str, begin: types.WorkDoneProgressBegin
                             ) -> tuple[str, bool]:
        """Start work-done progress where the client supports it: (its token, whether it is
        reported). A client that refuses the token gets no progress, and the work goes on."""
        import uuid

        token = f"txasync-{kind}-{uuid.uuid4().hex[:8]}"
        if not self.work_done_progress:
            return token, False
        progress = self.server.work_done_progress
        try:
            await progress.create_async(token)
            progress.begin(token, begin)
        except Exception as exc:
            self.log(f"txasync: no progress reporting: {exc}")
            return token, False
        return token, True

    def open_text(self, path: str) -> tuple[str, int | None] | None:
        uri = self.open_uris.get(path)
        if uri is None:
            return None
        doc = self.server.workspace.text_documents.get(unquote(uri))
        if doc is None:
            return None
        return doc.source, doc.version

    def document_opened(self, uri: str) -> str | None:
        path = to_path(uri)
        if path is not None:
            self.open_uris[path] = uri
        return path

    def document_closed(self, uri: str) -> str | None:
        path = to_path(uri)
        if path is not None and self.open_uris.get(path) == uri:
            del self.open_uris[path]
        return path

    def uri_for(self, path: str) -> str:
        return self.open_uris.get(path) or from_path(path)

    def version_of(self, path: str) -> int | None:
        opened = self.open_text(path)
        return opened[1] if opened is not None else None

    async def document(self, uri: str) -> tuple[str, Snapshot, str | None] | None:
        """The path, its folder's current engine snapshot, and the text the engine has for
        it: the first step of every per-document request."""
        path = to_path(uri)
        if path is None:
            return None
        snap = await self.state.snapshot(self.state.folder_for(path))
        return path, snap, snap.text(path)

    def lines(self, text: str) -> LineIndex:
        return line_index(text, self._line_cache)

    def display_path(self, path: str, root: str) -> str:
        try:
            rel = os.path.relpath(path, root)
        except ValueError:
            return path
        return path if rel.startswith("..") else rel

    # -- messages ------------------------------------------------------------------------
    def log(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        try:
            self.server.window_log_message(types.LogMessageParams(type=level, message=message))
        except Exception:  # no client yet (or it went away): stderr is all that is left
            import sys

            print(message, file=sys.stderr)

    def log_exception(self, where: str, exc: BaseException) -> None:
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.log(f"txasync: error in {where}: {type(exc).__name__}: {exc}\n{detail}",
                 types.MessageType.Error)

    def show(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        try:
            self.server.window_show_message(types.ShowMessageParams(type=level, message=message))
        except Exception:
            self.log(message, level)
