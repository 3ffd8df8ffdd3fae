"""`workspace/executeCommand`: convert a function, a file or the workspace; report; debug.

Conversions are applied through `workspace/applyEdit` so that every editor (including those
that run commands from a code lens or a key binding) sees the same single, versioned edit.
Converting a workspace reports `$/progress` and stops between files when the request is
cancelled or the user cancels the progress.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
from importlib import metadata
from typing import Any

from lsprotocol import types

from .. import engine
from ..config import Config
from . import adapter, fixes
from .diagnostics import Publisher
from .session import Session
from .state import Folder
from .uris import to_path

CONVERT_FUNCTION = "txasync.convertFunction"
CONVERT_FILE = "txasync.convertFile"
CONVERT_WORKSPACE = "txasync.convertWorkspace"
SHOW_PROGRESS = "txasync.showProgress"
DEBUG_INFO = "txasync.debugInfo"
CONVERT_AND_VERIFY = "txasync.convertAndVerify"
ALL = [CONVERT_FUNCTION, CONVERT_FILE, CONVERT_WORKSPACE, SHOW_PROGRESS, DEBUG_INFO,
       CONVERT_AND_VERIFY]


class CommandError(Exception):
    """Bad arguments; the message goes back to the user."""


def _uri_and_rest(args: tuple[Any, ...]) -> tuple[str, list[Any], dict[str, Any]]:
    """Commands take `uri, ...` positionally or one object `{uri, key, position, ...}`."""
    if args and isinstance(args[0], dict):
        obj = dict(args[0])
        uri = obj.pop("uri", None)
        rest = [obj.pop("key", None) or obj.pop("position", None)]
        return str(uri or ""), [r for r in rest if r is not None], obj
    if not args or not isinstance(args[0], str):
        raise CommandError("expected a document URI as the first argument")
    options = args[2] if len(args) > 2 and isinstance(args[2], dict) else {}
    return args[0], list(args[1:2]), options


def _position(value: Any) -> types.Position | None:
    if isinstance(value, dict) and "line" in value and "character" in value:
        return types.Position(int(value["line"]), int(value["character"]))
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return types.Position(value[0], value[1])
    return None


def _config_json(config: Config) -> dict[str, Any]:
    major, minor = config.twisted_version
    return {"root": config.root, "twistedVersion": f"{major}.{minor}",
            "twistedVersionSource": config.twisted_version_source,
            "twistedVersionDetail": config.twisted_version_detail,
            "target": config.version_line(), "notice": config.version_notice(),
            "python": config.target_python or None,
            "pythonSource": config.target_python_source or None,
            "publicApi": config.public_api, "publicApiSource": config.public_api_source,
            "select": sorted(config.select), "ignore": sorted(config.ignore),
            "exclude": list(config.exclude), "wrapper": config.wrapper,
            "unknownYield": config.unknown_yield,
            "keepDeferredApi": list(config.keep_deferred_api)}


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


class Commands:
    def __init__(self, session: Session, publisher: Publisher) -> None:
        self.session = session
        self.publisher = publisher

    # -- conversions ---------------------------------------------------------------------
    async def convert_function(self, args: tuple[Any, ...]) -> dict[str, Any]:
        uri, rest, options = _uri_and_rest(args)
        path = to_path(uri)
        if path is None or not rest:
            raise CommandError("txasync.convertFunction takes (uri, function key or position)")
        folder = self.session.state.folder_for(path)
        snap = await self.session.state.snapshot(folder)
        target = rest[0]
        key: str | None = target if isinstance(target, str) else None
        position = _position(target)
        if key is None and position is not None:
            text = snap.text(path)
            if text is None or path in snap.project.stale:
                return self._refuse("the file does not parse right now")
            line, col = self.session.lines(text).char_position(position, self.session.encoding)
            key = engine.function_at(snap.project, path, line, col, enclosing=True)
        if not key:
            return self._refuse("no inlineCallbacks function there")
        status = adapter.conversion_status(await asyncio.to_thread(snap.conversion, {key}), key)
        if status is None:
            return self._refuse(f"`{key}` is not an inlineCallbacks function")
        if not status.convertible and not (options.get("keepApi") and status.keep_api_possible):
            return self._refuse(f"`{key}` is not converted: {status.reasons[0]}")
        return await self._convert(folder, fixes.conversion({key}), f"Convert {key} to async")

    async def convert_file(self, args: tuple[Any, ...]) -> dict[str, Any]:
        uri, _, _ = _uri_and_rest(args)
        path = to_path(uri)
        if path is None:
            raise CommandError("txasync.convertFile takes (uri)")
        folder = self.session.state.folder_for(path)
        snap = await self.session.state.snapshot(folder)
        keys = {adapter.finding_key(snap.project, f) for f in snap.findings(path)
                if adapter.convertible_finding(f)} - {""}
        if not keys:
            return self._refuse("nothing in this file can be converted")
        name = self.session.display_path(path, folder.root)
        return await self._convert(folder, fixes.conversion(keys), f"Convert {name} to async")

    async def convert_workspace(self, args: tuple[Any, ...]) -> dict[str, Any]:
        session = self.session
        # pygls answers $/cancelRequest for a command at once but lets the handler run on;
        # the request's own future (pygls-internal) is how the handler learns about it.
        protocol = session.server.protocol
        futures = getattr(protocol, "_request_futures", {})
        request = futures.get(protocol.msg_id) if protocol.msg_id else None
        progress = session.server.work_done_progress
        token, reporting = await session.begin_progress("convert", types.WorkDoneProgressBegin(
            title="txasync: converting the workspace", cancellable=True, percentage=0))

        def stopped() -> bool:
            mine = progress.tokens.get(token)
            return bool((request is not None and request.cancelled())
                        or (mine is not None and mine.cancelled()))

        def report(done: int, total: int) -> None:
            if reporting:
                progress.report(token, types.WorkDoneProgressReport(
                    message=f"{done}/{total} files", percentage=int(100 * done / max(total, 1)),
                    cancellable=True))

        folders = list(session.state.folders.values())
        wanted = args[0] if args and isinstance(args[0], str) else None
        if wanted:
            folders = [f for f in folders if f.uri == wanted or f.root == to_path(wanted)]
        results: list[dict[str, Any]] = []
        try:
            for folder in folders:
                if folder.implicit:
                    continue
                result = await fixes.compute(session, folder, fixes.whole_workspace,
                                             should_stop=stopped, progress=report)
                if stopped():
                    raise asyncio.CancelledError()
                results.append(await self._apply(folder, result, "Convert the workspace to async"))
        except asyncio.CancelledError:
            if reporting:
                progress.end(token, types.WorkDoneProgressEnd(message="cancelled"))
            session.log("txasync: converting the workspace was cancelled; nothing was changed")
            if request is not None and request.cancelled():
                raise
            return {"applied": False, "cancelled": True}
        except fixes.EditError as exc:
            if reporting:
                progress.end(token, types.WorkDoneProgressEnd(message="failed"))
            return self._refuse(str(exc))
        if reporting:
            progress.end(token, types.WorkDoneProgressEnd(message="done"))
        converted = sum(len(r.get("converted", [])) for r in results)
        files = sorted({f for r in results for f in r.get("files", [])})
        return {"applied": all(r.get("applied") for r in results) if results else False,
                "converted": converted, "files": files}

    async def _convert(self, folder: Folder, make: fixes.PlanMaker, label: str
                       ) -> dict[str, Any]:
        try:
            result = await fixes.compute(self.session, folder, make)
        except fixes.EditError as exc:
            return self._refuse(str(exc))
        if not result.planned.converted:
            reasons = list(result.planned.refused.values())
            return self._refuse(reasons[0] if reasons else "nothing to convert")
        return await self._apply(folder, result, label)

    async def _apply(self, folder: Folder, result: fixes.Result, label: str) -> dict[str, Any]:
        session = self.session
        summary: dict[str, Any] = {
            "converted": result.planned.converted,
            "refused": result.planned.refused,
            "files": sorted(result.built.new_texts),
        }
        if result.built.empty:
            return {**summary, "applied": False, "reason": "nothing to change"}
        answer = await session.server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=result.built.edit, label=label))
        applied = bool(getattr(answer, "applied", False))
        if not applied:
            reason = getattr(answer, "failure_reason", None) or "the editor did not apply it"
            session.show(f"txasync: {label}: {reason}", types.MessageType.Warning)
            return {**summary, "applied": False, "reason": reason}
        for path, text in result.built.new_texts.items():
            if session.open_text(path) is None:
                await session.state.set_text(session.state.folder_for(path), path, text)
        self.publisher.schedule(folder.uri, folder, delay=0)
        return {**summary, "applied": True}

    async def convert_and_verify(self, args: tuple[Any, ...]) -> dict[str, Any]:
        """`txasync fix --verify` for a workspace folder, with the configured test-command,
        in the background with work-done progress. It writes the files itself (the tests
        must run on them), so open documents must be saved first; the result is read back
        from the disk."""
        from ..verify.orchestrate import VerifyError, verify_fix
        from ..verify.runner import CommandNotFound

        session = self.session
        wanted = args[0] if args and isinstance(args[0], str) else None
        folders = [f for f in session.state.folders.values() if not f.implicit]
        if wanted:
            path = to_path(wanted)
            folders = [f for f in folders if f.uri == wanted or f.root == path
                       or (path is not None and path.startswith(f.root + os.sep))]
        if not folders:
            return self._refuse("no workspace folder to verify")
        folder = folders[0]
        command = list(folder.config.test_command)
        if not command:
            return self._refuse("set `test-command` in [tool.txasync] to convert and verify")
        await session.state.current(folder)
        project = folder.project
        if project is not None:
            for path, source in project.sources.items():
                opened = session.open_text(path)
                if opened is not None and opened[0] != source.text:
                    return self._refuse("save every open file first: the tests run on the disk")
        progress = session.server.work_done_progress
        token, reporting = await session.begin_progress("verify", types.WorkDoneProgressBegin(
            title="txasync: convert and verify", message="baseline", cancellable=False))
        loop = asyncio.get_running_loop()

        class Reporter:
            """Phases from the verification's thread, reported on the server's loop."""

            name = ""
            used = 0

            def phase(self, name: str, detail: str = "") -> None:
                self.name = name + (f": {detail}" if detail else "")
                self._send()

            def runs(self, used: int, limit: int | None) -> None:
                self.used = used
                self._send()

            def _send(self) -> None:
                if reporting:
                    message = f"{self.name} (test runs: {self.used})"
                    loop.call_soon_threadsafe(progress.report, token,
                                              types.WorkDoneProgressReport(message=message))

        config = folder.config

        def run() -> Any:
            files, _ = engine.discover([folder.root], config)
            fresh = engine.load_project(files, config)
            return verify_fix(fresh, command, log=os.path.join(
                config.root, ".txasync", "verify.log"), progress=Reporter(), cwd=config.root)

        try:
            result = await asyncio.to_thread(run)
        except (VerifyError, CommandNotFound) as exc:
            if reporting:
                progress.end(token, types.WorkDoneProgressEnd(message="failed"))
            return self._refuse(str(exc))
        paths = list(project.sources) if project is not None else []
        if await session.state.refresh_from_disk(folder, paths):
            self.publisher.schedule(folder.uri, folder, delay=0)
        verified = result.status == "verified"
        message = (f"verified: {len(result.converted)} converted, "
                   f"{len(result.culprits)} taken back" if verified
                   else f"not verified: {result.message or result.status}")
        if reporting:
            progress.end(token, types.WorkDoneProgressEnd(message=message))
        session.show(f"txasync: {message}", types.MessageType.Info)
        return {"verified": verified, "status": result.status,
                "converted": result.converted,
                "takenBack": [{"function": c.key, "test": c.test, "before": c.before,
                               "after": c.after} for c in result.culprits],
                "flaky": result.flaky, "fullRuns": result.full_runs,
                "changedTestRuns": result.targeted_runs}

    def _refuse(self, reason: str) -> dict[str, Any]:
        self.session.show(f"txasync: {reason}", types.MessageType.Warning)
        return {"applied": False, "reason": reason}

    # -- reports -------------------------------------------------------------------------
    async def show_progress(self, args: tuple[Any, ...]) -> str:
        lines = ["# txasync progress", ""]
        for folder in self.session.state.folders.values():
            project = await self.session.state.current(folder)
            s = adapter.progress_summary(project)
            ic, aio = int(s.get("inlinecallbacks", 0)), int(s.get("async", 0))
            share = float(s.get("share_async", 1.0))
            lines += [f"## {os.path.basename(folder.root) or folder.root}", "",
                      f"**{share:.0%} async**: {aio} async functions, {ic} inlineCallbacks "
                      f"functions left, in {s.get('files', len(project.facts))} files.", ""]
            if "inlinecallbacks_lines" in s:
                lines += ["| | functions | lines |", "|---|---:|---:|",
                          f"| inlineCallbacks | {ic} | {s.get('inlinecallbacks_lines', 0)} |",
                          f"| async | {aio} | {s.get('async_lines', 0)} |", ""]
        return "\n".join(lines).rstrip() + "\n"

    async def debug_info(self, args: tuple[Any, ...]) -> dict[str, Any]:
        session = self.session
        folders = []
        for folder in session.state.folders.values():
            project = folder.project
            folders.append({
                "uri": folder.uri, "root": folder.root, "implicit": folder.implicit,
                "settings": folder.settings.to_json(), "config": _config_json(folder.config),
                "files": len(project.facts) if project is not None else None,
                "unreadable": len(project.errors) if project is not None else None,
                "problems": list(folder.problems),
            })
        return {
            "versions": {"txasync": _version("txasync"), "python": platform.python_version(),
                         "twisted": _version("twisted"), "libcst": _version("libcst"),
                         "jedi": _version("jedi"), "pygls": _version("pygls"),
                         "lsprotocol": _version("lsprotocol")},
            "executable": sys.executable,
            "positionEncoding": session.encoding,
            "diagnostics": "pull" if session.pull_diagnostics else "push",
            "resolveEdits": session.resolve_edits,
            "folders": folders,
        }
