"""`txasync lsp`: the language server's handlers, and nothing else.

Each handler is a few lines that hand the request to the feature module that owns it
(diagnostics, actions, hover, lens, commands, lifecycle, on_save) and is wrapped by `guarded`,
so an exception is logged to the client and never takes the server down.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import __version__
from . import commands as cmds
from . import hover as hover_feature
from . import lens as lens_feature
from . import lifecycle, on_save
from .actions import KINDS, Actions
from .commands import CommandError, Commands
from .diagnostics import Publisher
from .guard import guarded
from .pygls_fixes import TxasyncProtocol, use_lsp_lines
from .session import Session
from .uris import to_path


class TxasyncServer(LanguageServer):
    """The pygls server plus the session its features share."""

    def __init__(self) -> None:
        super().__init__("txasync", __version__, protocol_cls=TxasyncProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.session = Session(self)
        self.publisher = Publisher(self.session)
        # A restart on an unchanged tree shows the stored result while it indexes.
        self.session.state.on_stored = self.publisher.preview
        self.actions = Actions(self.session)
        self.commands = Commands(self.session, self.publisher)
        self.over_tcp = False
        self._reporting = False

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls shows an error by sending a message, and reports a failed send the same
        way: with the client gone, each report's failure was reported again, until the
        stack ran out, every level logged to stderr. One report at a time."""
        if self._reporting:
            return
        self._reporting = True
        try:
            super().report_server_error(error, source)
        finally:
            self._reporting = False


def _session(ls: TxasyncServer) -> Session:
    return ls.session


server = TxasyncServer()


# -- lifecycle ---------------------------------------------------------------------------
@server.feature(types.INITIALIZE)
@guarded(_session)
def initialize(ls: TxasyncServer, params: types.InitializeParams) -> None:
    use_lsp_lines(ls.workspace)
    lifecycle.start(ls.session, params)
    registered = ls.protocol.fm.features
    if ls.session.pull_diagnostics and types.TEXT_DOCUMENT_DIAGNOSTIC not in registered:
        ls.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(
            inter_file_dependencies=True, workspace_diagnostics=False,
            identifier="txasync"))(pull_diagnostics)
    if on_save.wants_formatting(ls.session) and types.TEXT_DOCUMENT_FORMATTING not in registered:
        ls.feature(types.TEXT_DOCUMENT_FORMATTING)(format_on_save)


@server.feature(types.EXIT)
def exit_(ls: TxasyncServer, params: Any = None) -> None:
    # Over TCP, pygls ends with sys.exit inside a connection callback, which asyncio reports
    # as an unhandled exception; leave quietly instead (stdio exits cleanly on its own).
    if ls.over_tcp:
        os._exit(0 if getattr(ls.protocol, "_shutdown", True) else 1)


@server.feature(types.INITIALIZED)
@guarded(_session)
async def initialized(ls: TxasyncServer, params: types.InitializedParams) -> None:
    await lifecycle.initialized(ls.session, ls.publisher)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@guarded(_session)
async def did_change_configuration(ls: TxasyncServer,
                                   params: types.DidChangeConfigurationParams) -> None:
    await lifecycle.refresh_settings(ls.session, ls.publisher, params.settings)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded(_session)
def did_change_watched_files(ls: TxasyncServer,
                             params: types.DidChangeWatchedFilesParams) -> None:
    lifecycle.files_changed(ls.session, ls.publisher, params)


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
@guarded(_session)
def did_change_workspace_folders(ls: TxasyncServer,
                                 params: types.DidChangeWorkspaceFoldersParams) -> None:
    lifecycle.folders_changed(ls.session, ls.publisher, params)


# -- documents ---------------------------------------------------------------------------
def _touch(ls: TxasyncServer, uri: str, delay: float | None = None) -> None:
    path = to_path(uri)
    if path is None:
        return
    folder = ls.session.state.mark(path, "open")
    ls.publisher.schedule(uri, folder, delay)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded(_session)
def did_open(ls: TxasyncServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.session.document_opened(params.text_document.uri)
    _touch(ls, params.text_document.uri, delay=0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded(_session)
def did_change(ls: TxasyncServer, params: types.DidChangeTextDocumentParams) -> None:
    _touch(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@guarded(_session)
def did_save(ls: TxasyncServer, params: types.DidSaveTextDocumentParams) -> None:
    _touch(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded(_session)
def did_close(ls: TxasyncServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    path = ls.session.document_closed(uri)
    ls.publisher.closed(uri)
    if path is not None:
        folder = ls.session.state.mark(path, "disk")
        ls.publisher.schedule(folder.uri, folder)


@server.feature(types.TEXT_DOCUMENT_WILL_SAVE_WAIT_UNTIL)
@guarded(_session)
async def will_save_wait_until(ls: TxasyncServer, params: types.WillSaveTextDocumentParams
                               ) -> list[types.TextEdit] | None:
    return await on_save.will_save(ls.session, params)


@guarded(_session)
async def format_on_save(ls: TxasyncServer, params: types.DocumentFormattingParams
                         ) -> list[types.TextEdit] | None:
    return await on_save.will_save(ls.session, params)


# -- features ----------------------------------------------------------------------------
@guarded(_session)
async def pull_diagnostics(ls: TxasyncServer, params: types.DocumentDiagnosticParams
                           ) -> types.DocumentDiagnosticReport | None:
    uri = params.text_document.uri
    path = to_path(uri)
    if path is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    return await ls.publisher.pull(uri, path, params.previous_result_id)


@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded(_session)
async def hover(ls: TxasyncServer, params: types.HoverParams) -> types.Hover | None:
    return await hover_feature.hover(ls.session, params)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=True))
@guarded(_session, fallback=[])
async def code_action(ls: TxasyncServer, params: types.CodeActionParams
                      ) -> list[types.CodeAction] | None:
    return await ls.actions.actions_for(params)


@server.feature(types.CODE_ACTION_RESOLVE)
@guarded(_session)
async def code_action_resolve(ls: TxasyncServer, action: types.CodeAction) -> types.CodeAction:
    return await ls.actions.resolve(action)


@server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
@guarded(_session, fallback=[])
async def code_lens(ls: TxasyncServer, params: types.CodeLensParams
                    ) -> list[types.CodeLens] | None:
    return await lens_feature.code_lenses(ls.session, params)


# -- commands ----------------------------------------------------------------------------
async def _run(ls: TxasyncServer, name: str, job: Any) -> Any:
    try:
        return await job
    except CommandError as exc:
        ls.session.show(f"txasync: {name}: {exc}", types.MessageType.Warning)
        return {"applied": False, "reason": str(exc)}


@server.command(cmds.CONVERT_FUNCTION)
@guarded(_session)
async def convert_function(ls: TxasyncServer, *args: Any) -> Any:
    return await _run(ls, cmds.CONVERT_FUNCTION, ls.commands.convert_function(args))


@server.command(cmds.CONVERT_FILE)
@guarded(_session)
async def convert_file(ls: TxasyncServer, *args: Any) -> Any:
    return await _run(ls, cmds.CONVERT_FILE, ls.commands.convert_file(args))


@server.command(cmds.CONVERT_WORKSPACE)
@guarded(_session)
async def convert_workspace(ls: TxasyncServer, *args: Any) -> Any:
    return await _run(ls, cmds.CONVERT_WORKSPACE, ls.commands.convert_workspace(args))


@server.command(cmds.CONVERT_AND_VERIFY)
@guarded(_session)
async def convert_and_verify(ls: TxasyncServer, *args: Any) -> Any:
    return await _run(ls, cmds.CONVERT_AND_VERIFY, ls.commands.convert_and_verify(args))


@server.command(cmds.SHOW_PROGRESS)
@guarded(_session)
async def show_progress(ls: TxasyncServer, *args: Any) -> Any:
    return await ls.commands.show_progress(args)


@server.command(cmds.DEBUG_INFO)
@guarded(_session)
async def debug_info(ls: TxasyncServer, *args: Any) -> Any:
    return await ls.commands.debug_info(args)


def serve(tcp: tuple[str, int] | None = None) -> None:
    """Run until the client says exit (stdio by default, or one TCP connection)."""
    # Indexing a large workspace uses a process pool, started from a worker thread: a plain
    # fork there can copy a lock another thread holds and hang the pool (seen on the
    # Twisted tree). Workers forked from a clean forkserver process cannot.
    try:
        multiprocessing.set_start_method("forkserver", force=True)
    except (ValueError, RuntimeError):
        pass
    code = 0
    try:
        if tcp is not None:
            server.over_tcp = True
            server.start_tcp(*tcp)
        else:
            server.start_io()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # the client closed the pipe: nothing to flush to
                pass
    if threading.active_count() > 1:
        # A background analysis thread may still be running: do not wait for it.
        os._exit(code)
    sys.exit(code)
