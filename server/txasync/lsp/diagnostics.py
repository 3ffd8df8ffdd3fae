"""Findings as LSP diagnostics, pushed or pulled, kept current across files.

Each diagnostic carries `source: "txasync"`, the rule code, a link to the rule's docs, the
Deprecated tag where the rule says so, the severity the user chose, and in `data` what a
later code action needs (the function key, the code, the engine span, the version). Changing
one file can change another file's findings (converting a callee changes what its callers
need), so after every analysis each open document is compared with what the client last saw
and refreshed when it differs.

A document that stops parsing keeps the findings of its last good text on the lines that did
not change (ruff-like): nothing flickers while a statement is half typed.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import json
from typing import Any

from lsprotocol import types

from ..analysis.findings import Finding
from ..engine import Project
from ..lines import split_lines
from ..rules import RULES
from . import adapter
from .positions import LineIndex
from .session import Session
from .state import Folder, Snapshot, same_as_disk

SOURCE = "txasync"
# Passes are coalesced (one analysis at a time per folder, always of the newest text), so the
# wait before one only needs to absorb a burst of keystrokes, not pace the analysis. The first
# change after a quiet spell waits for nothing (see `Publisher.schedule`).
DEBOUNCE_SECONDS = 0.05

SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}
TAGS = {"deprecated": types.DiagnosticTag.Deprecated,
        "unnecessary": types.DiagnosticTag.Unnecessary}


def to_diagnostic(finding: Finding, index: LineIndex, encoding: str,
                  severities: dict[str, str], key: str, version: int | None
                  ) -> types.Diagnostic | None:
    """One finding as a Diagnostic; None when the user turned its code off."""
    level = severities.get(finding.code, finding.severity)
    if level == "off":
        return None
    rule = RULES.get(finding.code)
    tags = [TAGS[t] for t in (finding.data or {}).get("tags", ()) if t in TAGS]
    span = finding.span
    return types.Diagnostic(
        range=index.range(span, encoding),
        message=finding.message,
        severity=SEVERITY.get(level, types.DiagnosticSeverity.Information),
        code=finding.code,
        code_description=types.CodeDescription(href=rule.url) if rule else None,
        source=SOURCE,
        tags=tags or None,
        data={"code": finding.code, "key": key, "function": finding.function,
              "fixSafety": finding.fix_safety, "version": version,
              "span": [span.line, span.col, span.end_line, span.end_col]},
    )


def line_map(old: str, new: str) -> dict[int, int]:
    """0-based lines of `old` that are unchanged in `new`, mapped to their new numbers."""
    a = [line.rstrip("\r\n") for line in split_lines(old)]
    b = [line.rstrip("\r\n") for line in split_lines(new)]
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < min(len(a), len(b)) - prefix
           and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]):
        suffix += 1
    mapping = {i: i for i in range(prefix)}
    for i in range(suffix):
        mapping[len(a) - 1 - i] = len(b) - 1 - i
    middle_a, middle_b = a[prefix:len(a) - suffix], b[prefix:len(b) - suffix]
    if middle_a and middle_b and len(middle_a) * len(middle_b) < 25_000_000:
        matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                mapping[prefix + block.a + k] = prefix + block.b + k
    return mapping


def _remap(diagnostics: list[types.Diagnostic], mapping: dict[int, int]
           ) -> list[types.Diagnostic]:
    kept = []
    for diag in diagnostics:
        start, end = diag.range.start.line, diag.range.end.line
        if start not in mapping or end not in mapping:
            continue
        if mapping[end] - mapping[start] != end - start:
            continue
        shift = mapping[start] - start
        diag.range = types.Range(types.Position(start + shift, diag.range.start.character),
                                 types.Position(end + shift, diag.range.end.character))
        kept.append(diag)
    return kept


def _diagnostics(session: Session, findings: list[Finding], text: str,
                 severities: dict[str, str], version: int | None, project: Project | None
                 ) -> list[types.Diagnostic]:
    index = session.lines(text)
    found = []
    for finding in findings:
        diag = to_diagnostic(finding, index, session.encoding, severities,
                             adapter.finding_key(project, finding), version)
        if diag is not None:
            found.append(diag)
    return found


def document_diagnostics(session: Session, snap: Snapshot, path: str
                         ) -> list[types.Diagnostic]:
    """The diagnostics of one file in a snapshot (positions for the snapshot's text)."""
    text = snap.text(path)
    if text is None:
        return []
    found = _diagnostics(session, snap.findings(path), text, snap.folder.settings.severity,
                         snap.versions.get(path), snap.project)
    source = snap.project.sources.get(path)
    if path in snap.project.stale and source is not None and source.text != text:
        found = _remap(found, line_map(text, source.text))
    return found


def fingerprint(diagnostics: list[types.Diagnostic], version: int | None) -> str:
    payload = [(d.range.start.line, d.range.start.character, d.range.end.line,
                d.range.end.character, d.code, d.message, int(d.severity or 0))
               for d in diagnostics]
    digest = hashlib.sha1(json.dumps([version, payload]).encode()).hexdigest()[:16]
    return digest


class Publisher:
    """Keeps each open document's diagnostics in the client current (push or pull)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pending: dict[str, asyncio.Task[None]] = {}  # uri -> debounced update
        self.waiting: set[asyncio.Task[None]] = set()  # pending updates still in their delay
        self.published: dict[str, str] = {}  # push: uri -> fingerprint last sent
        self.pulled: dict[str, tuple[int | None, str]] = {}  # pull: uri -> (version, fp)
        self.delay = DEBOUNCE_SECONDS
        self.last_change: dict[str, float] = {}  # folder uri -> loop time of its last change
        self.previews: set[asyncio.Task[None]] = set()  # stored results being shown

    def schedule(self, uri: str, folder: Folder, delay: float | None = None) -> float:
        """Re-analyse `folder` after a quiet period, then refresh every open document;
        returns the wait chosen.

        The first change after a quiet spell (nothing changed in the folder for longer than
        the debounce, no pass waiting or running) starts its pass at once: there is no burst
        yet to absorb, and an isolated edit's answer should not wait for one. A key typed
        while that pass runs makes it give up and start again from the newest text (see
        `State._analyse`), so a burst still costs one analysis at its end."""
        previous = self.pending.pop(uri, None)
        if previous is not None and previous in self.waiting:
            # Not started: the new pass replaces it. One already analysing runs on (its
            # analysis cannot be taken back) and publishes whatever is still current.
            previous.cancel()
        now = asyncio.get_running_loop().time()
        quiet = now - self.last_change.get(folder.uri, float("-inf")) > self.delay
        self.last_change[folder.uri] = now
        wait = self.delay if delay is None else delay
        if quiet and not self.waiting and not folder.analysis_lock.locked():
            wait = 0
        if folder.project is None:
            self.preview(folder)  # indexing: the stored result, if any, meanwhile
        self.pending[uri] = task = asyncio.ensure_future(self._later(uri, folder, wait))
        self.waiting.add(task)
        return wait

    async def _later(self, uri: str, folder: Folder, delay: float) -> None:
        try:
            try:
                await asyncio.sleep(delay)
            finally:
                self.waiting.discard(asyncio.current_task())
            await self.update(folder, first=uri)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # diagnostics are best effort; the server keeps serving
            self.session.log_exception("diagnostics", exc)
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]

    async def update(self, folder: Folder, first: str | None = None) -> None:
        """Analyse the folder as it is now and bring every open document up to date, the
        one whose change asked for the pass (`first`) before the others."""
        session = self.session
        snap = await session.state.snapshot(folder)
        refresh = changed = False
        documents = sorted(session.open_uris.items(), key=lambda item: item[1] != first)
        for path, uri in documents:
            if not folder.contains(path) or session.state.folder_for(path) is not folder:
                continue
            version = session.version_of(path)
            if version != snap.versions.get(path):
                continue  # the text moved on: the next debounced pass publishes
            diagnostics = document_diagnostics(session, snap, path)
            fp = fingerprint(diagnostics, version)
            if session.pull_diagnostics:
                seen = self.pulled.get(uri)
                if seen is not None and seen[0] == version and seen[1] != fp:
                    refresh = True
                continue
            if self.published.get(uri) != fp:
                changed = True
                self._publish(uri, diagnostics, version, fp)
        if refresh:
            session.server.workspace_diagnostic_refresh(None)
        if (refresh or changed) and session.lens_refresh:
            session.server.workspace_code_lens_refresh(None)

    def preview(self, folder: Folder) -> None:
        """Publish the folder's stored result (`Folder.stored`) while it is indexed: a
        restart on an unchanged tree answers at once.

        The result is what an earlier run (`txasync check`, or this server's analysis last
        time) found for exactly the files on disk now, under the same configuration: the
        findings a fresh analysis will give (every input it reads is in the result's key).
        Only open documents among those files whose text is the disk's get it, and only if
        still at the version compared. The first real pass then publishes only what
        differs (the fingerprints are kept). A pull for diagnostics still waits for
        indexing. Called when the result is found and for each document opened while the
        folder is indexed."""
        if folder.stored is None or self.session.pull_diagnostics:
            return
        task = asyncio.ensure_future(self._preview(folder))
        self.previews.add(task)
        task.add_done_callback(self.previews.discard)

    async def _preview(self, folder: Folder) -> None:
        session = self.session
        state = session.state
        stored = folder.stored
        if stored is None:
            return
        result, files = stored
        wanted = {}
        for path, uri in list(session.open_uris.items()):
            opened = state.open_text(path)
            if (path in files and uri not in self.published and opened is not None
                    and state.folder_for(path) is folder):
                wanted[path] = opened
        if not wanted:
            return
        same = await asyncio.to_thread(same_as_disk, wanted)
        by_path: dict[str, list[Finding]] = {}
        for finding in result.findings:
            if finding.path in same:
                by_path.setdefault(finding.path, []).append(finding)
        for path, (text, version) in same.items():
            now = session.open_uris.get(path)
            if (folder.stored is None or now is None or now in self.published
                    or session.version_of(path) != version):
                continue  # the real answer is out, or the document moved on
            diagnostics = _diagnostics(session, by_path.get(path, []), text,
                                       folder.settings.severity, version, None)
            self._publish(now, diagnostics, version, fingerprint(diagnostics, version))

    def _publish(self, uri: str, diagnostics: list[types.Diagnostic], version: int | None,
                 fp: str) -> None:
        """Send a document's diagnostics, remembering their fingerprint: a later pass
        sends them again only if they differ."""
        self.published[uri] = fp
        self.session.server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=diagnostics, version=version))

    async def pull(self, uri: str, path: str, previous: str | None
                   ) -> types.DocumentDiagnosticReport:
        """`textDocument/diagnostic`: always for the document's current version."""
        session = self.session
        folder = session.state.folder_for(path)
        snap = await session.state.snapshot(folder)
        version = session.version_of(path)
        if version is not None and version != snap.versions.get(path):
            snap = await session.state.snapshot(folder)  # changed while we waited
        diagnostics = document_diagnostics(session, snap, path)
        fp = fingerprint(diagnostics, snap.versions.get(path))
        self.pulled[uri] = (snap.versions.get(path), fp)
        if previous == fp:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=fp)
        return types.RelatedFullDocumentDiagnosticReport(items=diagnostics, result_id=fp)

    def closed(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.published.pop(uri, None)
        self.pulled.pop(uri, None)
        self.session.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def forget(self, uris: Any) -> None:
        for uri in uris:
            self.published.pop(uri, None)
