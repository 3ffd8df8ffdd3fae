"""Session setup and upkeep: folders, settings, file watchers, initial indexing.

Settings arrive three ways (initializationOptions, `workspace/configuration` per folder, the
payload of `didChangeConfiguration`); this module folds them into each folder's Settings and
engine Config. Indexing a folder runs in the background with work-done progress; requests
for its documents wait for it.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from lsprotocol import types

from .diagnostics import Publisher
from .session import Session
from .settings import merge
from .state import Folder
from .uris import from_path, to_path


def start(session: Session, params: types.InitializeParams) -> None:
    """`initialize`: remember the options and the folders (nothing is read yet)."""
    session.negotiate()  # pygls has chosen the position encoding before calling us
    session.initialization_options = params.initialization_options
    problems: list[str] = []
    session.state.base_settings = merge(session.state.base_settings,
                                        params.initialization_options, problems)
    for problem in problems:
        session.log(f"txasync settings: {problem}", types.MessageType.Warning)
    folders = list(params.workspace_folders or [])
    root = params.root_uri or (from_path(params.root_path) if params.root_path else None)
    if not folders and root:
        folders = [types.WorkspaceFolder(uri=root, name=os.path.basename(root))]
    for wf in folders:
        path = to_path(wf.uri)
        if path is not None:
            session.state.add_folder(wf.uri, path)


async def initialized(session: Session, publisher: Publisher) -> None:
    """`initialized`: fetch settings, watch files, index every folder (with progress)."""
    session.negotiate()
    try:
        await refresh_settings(session, publisher, reanalyse=False)
    finally:
        session.state.settings_ready.set()
    await register_watchers(session)
    for folder in list(session.state.folders.values()):
        asyncio.ensure_future(index(session, publisher, folder))


async def index(session: Session, publisher: Publisher, folder: Folder) -> None:
    progress = session.server.work_done_progress
    token, reporting = await session.begin_progress("index", types.WorkDoneProgressBegin(
        title="txasync: indexing", message=os.path.basename(folder.root)))

    def say(message: str) -> None:
        if reporting:
            progress.report(token, types.WorkDoneProgressReport(message=message))

    try:
        await session.state.start_loading(folder, say)
    except asyncio.CancelledError:
        # The server is going (the client said exit while indexing): nobody to tell.
        reporting = False
        raise
    finally:
        if reporting:
            project = folder.project
            count = len(project.facts) if project is not None else 0
            progress.end(token, types.WorkDoneProgressEnd(message=f"{count} files indexed"))
    publisher.schedule(folder.uri, folder, delay=0)


async def _ask_client(session: Session, folders: list[Folder]) -> list[Any]:
    if not session.configuration or not folders:
        return [None] * len(folders)
    items = [types.ConfigurationItem(scope_uri=f.uri, section="txasync") for f in folders]
    try:
        answer = await asyncio.wait_for(session.server.workspace_configuration_async(
            types.ConfigurationParams(items=items)), timeout=5)
    except Exception as exc:
        session.log(f"txasync: workspace/configuration failed: {exc}")
        return [None] * len(folders)
    answer = list(answer or [])
    return answer + [None] * (len(folders) - len(answer))


def log_target(session: Session, folder: Folder) -> None:
    """Say in the log which Twisted version a folder's conversions are safe on, where that
    came from, and whose libraries are read (a fallback version as a warning)."""
    session.log(f"txasync: {folder.root}: {folder.config.version_line()}")
    notice = folder.config.version_notice()
    if notice is not None:
        session.log(f"txasync: {folder.root}: {notice}", types.MessageType.Warning)


async def refresh_settings(session: Session, publisher: Publisher, payload: Any = None,
                           reanalyse: bool = True) -> None:
    """Recompute every folder's settings; re-analyse the folders whose config changed."""
    state = session.state
    problems: list[str] = []
    if payload is not None and not session.configuration:
        state.base_settings = merge(state.base_settings, payload, problems)
    folders = list(state.folders.values())
    answers = await _ask_client(session, folders)
    for folder, answer in zip(folders, answers, strict=True):
        settings = merge(state.base_settings, answer, problems) if answer else state.base_settings
        if folder.configure(settings):
            log_target(session, folder)
        for problem in folder.problems:
            problems.append(f"{folder.root}: {problem}")
        if reanalyse and folder.project is not None:
            publisher.forget([u for p, u in session.open_uris.items() if folder.contains(p)])
            publisher.schedule(folder.uri, folder, delay=0)  # severities may have changed
    for problem in problems:
        session.log(f"txasync settings: {problem}", types.MessageType.Warning)
    if reanalyse and session.lens_refresh:
        session.server.workspace_code_lens_refresh(None)


async def register_watchers(session: Session) -> None:
    """Ask the client to tell us about Python files and pyproject.toml changing on disk."""
    if not session.dynamic_watchers:
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[
        types.FileSystemWatcher(glob_pattern="**/*.py"),
        types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
    ])
    try:
        await asyncio.wait_for(session.server.client_register_capability_async(
            types.RegistrationParams(registrations=[types.Registration(
                id="txasync-watchers", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options)])), timeout=5)
    except Exception as exc:
        session.log(f"txasync: could not register file watchers: {exc}")


def files_changed(session: Session, publisher: Publisher,
                  params: types.DidChangeWatchedFilesParams) -> None:
    """Keep the index current for files changed outside the editor (git checkout, ...)."""
    touched: dict[str, Folder] = {}
    reconfigure = False
    for change in params.changes:
        path = to_path(change.uri)
        if path is None:
            continue
        if os.path.basename(path) == "pyproject.toml":
            reconfigure = True
            continue
        if not path.endswith(".py") or path in session.open_uris:
            continue  # the editor's buffer, not the disk, is the truth for open files
        folder = session.state.mark(path, "disk")
        touched[folder.uri] = folder
    for folder in touched.values():
        publisher.schedule(folder.uri, folder)
    if reconfigure:
        asyncio.ensure_future(refresh_settings(session, publisher))


def folders_changed(session: Session, publisher: Publisher,
                    params: types.DidChangeWorkspaceFoldersParams) -> None:
    for removed in params.event.removed or []:
        session.state.remove_folder(removed.uri)
    for added in params.event.added or []:
        path = to_path(added.uri)
        if path is None:
            continue
        folder = session.state.add_folder(added.uri, path)
        for opened in list(session.open_uris):
            if folder.contains(opened):
                session.state.mark(opened)  # its open documents now belong here
        asyncio.ensure_future(index(session, publisher, folder))
