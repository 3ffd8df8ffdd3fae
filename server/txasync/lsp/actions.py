"""Code actions: quick fixes, "Disable for this line", fix-all and convert-file.

Actions are built from the server's own current findings for the requested lines (not from
the diagnostics the client echoes back, which older clients strip), and carry an `edit`,
never a `command`: one WorkspaceEdit, versioned per document, is what every client applies
the same way. Conversions rewrite several files, so where the client supports
`codeAction/resolve` the edit is computed only for the action the user picks.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from ..analysis.findings import Finding
from ..noqa import NOQA
from ..rules import RULES
from ..rules import txa001_inlinecallbacks_convertible as convertible
from ..rules import txa002_inlinecallbacks_blocked as blocked
from . import adapter, fixes
from .positions import LineIndex
from .session import Session
from .state import Snapshot
from .uris import to_path

FIX_ALL = "source.fixAll.txasync"
CONVERT_FILE = "source.convertToAsync.txasync"
CONVERT_AND_VERIFY = "source.convertAndVerify.txasync"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL, CONVERT_FILE, CONVERT_AND_VERIFY]


# The conversions: the server's own actions, over several files (every other fixable rule's
# finding carries a fix of its own, titled by its rule).
CONVERSIONS = frozenset({convertible.RULE.code, blocked.RULE.code})


def _wants(only: list[str] | None, kind: str) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def _overlaps(finding: Finding, first: int, last: int) -> bool:
    return finding.span.line <= last and finding.span.end_line >= first


def noqa_edit(index: LineIndex, line: int, code: str, encoding: str) -> types.TextEdit | None:
    """Append `# noqa: CODE` to a 1-based line, or add the code to its noqa list."""
    text = index.line(line - 1)
    match = NOQA.search(text)
    if match is not None:
        codes = match.group("codes")
        if not codes:
            return None  # a bare noqa already silences everything
        at = index.position(line - 1, match.end("codes"), encoding)
        return types.TextEdit(range=types.Range(at, at), new_text=f", {code}")
    stripped = text.rstrip()
    if stripped.endswith("\\"):
        return None  # no comment can follow a line continuation
    start = index.position(line - 1, len(stripped), encoding)
    end = index.position(line - 1, len(text), encoding)
    return types.TextEdit(range=types.Range(start, end), new_text=f"  # noqa: {code}")


class Actions:
    """`textDocument/codeAction` and `codeAction/resolve`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- listing -------------------------------------------------------------------------
    async def actions_for(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        session = self.session
        uri = params.text_document.uri
        document = await session.document(uri)
        if document is None:
            return None
        path, snap, text = document
        if text is None or path in snap.project.stale:
            return []  # no fixes while the file does not parse
        index = session.lines(text)
        first, _ = index.char_position(params.range.start, session.encoding)
        last, _ = index.char_position(params.range.end, session.encoding)
        only = [str(k) for k in params.context.only] if params.context.only else None
        version = snap.versions.get(path)
        echoed = [d for d in params.context.diagnostics if d.source == "txasync"]
        actions: list[types.CodeAction] = []
        findings = snap.findings(path)
        if _wants(only, types.CodeActionKind.QuickFix):
            disables: list[types.CodeAction] = []
            seen_disable: set[tuple[int, str]] = set()
            for finding in findings:
                if not _overlaps(finding, first, last):
                    continue
                diag = self._diagnostic_for(finding, echoed, index, snap)
                actions.extend(self._quickfixes(snap, uri, finding, diag, version, findings))
                marker = (finding.span.line, finding.code)
                if marker not in seen_disable:
                    seen_disable.add(marker)
                    edit = noqa_edit(index, finding.span.line, finding.code, session.encoding)
                    if edit is not None:
                        disables.append(types.CodeAction(
                            title=f"Disable {finding.code} for this line",
                            kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                            edit=self._single_edit(uri, version, [edit])))
            actions.extend(disables)
        explicit = bool(only)
        if _wants(only, FIX_ALL) and (explicit or session.resolve_edits):
            if adapter.safe_plan(snap.project, snap.analysis, path) is not None:
                actions.append(types.CodeAction(
                    title="txasync: fix all safe problems in this file", kind=FIX_ALL,
                    data={"txasync": "fixAll", "uri": uri, "version": version}))
        if _wants(only, CONVERT_FILE) and (explicit or session.resolve_edits):
            keys = self._convertible_keys(snap, path)
            if keys:
                actions.append(types.CodeAction(
                    title="txasync: convert every convertible function in this file to async",
                    kind=CONVERT_FILE,
                    data={"txasync": "convertFile", "uri": uri, "version": version,
                          "keys": keys}))
        if not session.resolve_edits:
            actions = [await self._resolved(a, quiet=True) for a in actions]
            actions = [a for a in actions if a.edit is not None or a.disabled is not None]
        folder = session.state.folder_for(path)
        if _wants(only, CONVERT_AND_VERIFY) and explicit and folder.config.test_command and \
                not folder.implicit:
            # Runs the project's tests: offered only where a test command is configured,
            # and only when asked for by kind (never in the light bulb's quick fixes).
            actions.append(types.CodeAction(
                title="txasync: convert and verify with the tests", kind=CONVERT_AND_VERIFY,
                command=types.Command(title="Convert and verify",
                                      command="txasync.convertAndVerify",
                                      arguments=[folder.uri])))
        return actions

    def _convertible_keys(self, snap: Snapshot, path: str) -> list[str]:
        return sorted({adapter.finding_key(snap.project, f) for f in snap.findings(path)
                       if adapter.convertible_finding(f)} - {""})

    def _diagnostic_for(self, finding: Finding, echoed: list[types.Diagnostic],
                        index: LineIndex, snap: Snapshot) -> types.Diagnostic:
        line = finding.span.line - 1
        for diag in echoed:
            if diag.code == finding.code and diag.range.start.line == line:
                return diag
        from .diagnostics import to_diagnostic

        made = to_diagnostic(finding, index, self.session.encoding, {},
                             adapter.finding_key(snap.project, finding),
                             snap.versions.get(finding.path))
        assert made is not None
        return made

    def _quickfixes(self, snap: Snapshot, uri: str, finding: Finding,
                    diag: types.Diagnostic, version: int | None, findings: list[Finding]
                    ) -> list[types.CodeAction]:
        key = adapter.finding_key(snap.project, finding)
        base = {"uri": uri, "version": version, "code": finding.code}
        found: list[types.CodeAction] = []
        if adapter.convertible_finding(finding) and key:
            keep = bool((finding.data or {}).get("keep_api"))
            found.append(types.CodeAction(
                title=convertible.RULE.fix_title
                + (" (keeping the Deferred API)" if keep else ""),
                kind=types.CodeActionKind.QuickFix, diagnostics=[diag], is_preferred=True,
                data={**base, "txasync": "convert", "keys": [key]}))
        elif (finding.code == blocked.RULE.code or adapter.converts(finding) is False) and key:
            if self.session.disabled_actions:
                found.append(types.CodeAction(
                    title=convertible.RULE.fix_title, kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    disabled=types.CodeActionDisabled(reason=finding.reason or finding.message)))
            if (finding.data or {}).get("keep_api") and finding.fix_safety != "none":
                found.append(types.CodeAction(
                    title=blocked.RULE.fix_title,
                    kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                    data={**base, "txasync": "convert", "keys": [key], "keepApi": True}))
        elif (finding.code in RULES and finding.code not in CONVERSIONS
              and finding.fix_safety != "none"):
            if adapter.finding_plan(snap.project, snap.analysis, finding) is None:
                return found
            rule = RULES[finding.code]
            title = rule.fix_title
            if finding.fix_safety == "unsafe" and rule.unsafe_note:
                title += " (unsafe: see the message)"
            same = [f for f in findings if f.code == finding.code
                    and adapter.finding_key(snap.project, f) == key]
            s = finding.span
            found.append(types.CodeAction(
                title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                is_preferred=finding.fix_safety == "safe",
                data={**base, "txasync": "fix", "key": key,
                      "span": [s.line, s.col, s.end_line, s.end_col],
                      "ordinal": same.index(finding)}))
        return found

    def _single_edit(self, uri: str, version: int | None, edits: list[types.TextEdit]
                     ) -> types.WorkspaceEdit:
        if self.session.document_changes:
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri,
                                                                            version=version),
                edits=edits)])
        return types.WorkspaceEdit(changes={uri: edits})

    # -- resolving -----------------------------------------------------------------------
    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        """`codeAction/resolve`: compute the edit, for the document as it is now."""
        return await self._resolved(action)

    async def _resolved(self, action: types.CodeAction, quiet: bool = False
                        ) -> types.CodeAction:
        """`action` with its edit; on failure unchanged, and the user is told why (unless
        `quiet`: listing actions eagerly must not pop up a message per request)."""
        tell = self.session.log if quiet else self.session.show
        data = action.data
        if action.edit is not None or not isinstance(data, dict) or "txasync" not in data:
            return action
        try:
            make = self._plan_maker(data)
            if make is None:
                self.session.log(f"txasync: '{action.title}' no longer applies to "
                                 f"{data.get('uri')}; nothing to do")
                return action
            path = to_path(str(data.get("uri")))
            assert path is not None
            folder = self.session.state.folder_for(path)
            result = await fixes.compute(self.session, folder, make)
        except fixes.EditError as exc:
            tell(f"txasync: {action.title}: {exc}", types.MessageType.Warning)
            return action
        refused = result.planned.refused
        if refused and not result.planned.converted:
            reason = next(iter(refused.values()))
            tell(f"txasync: not converted: {reason}", types.MessageType.Warning)
            return action
        if not result.built.empty:
            action.edit = result.built.edit
        return action

    def _plan_maker(self, data: dict[str, Any]) -> fixes.PlanMaker | None:
        kind = data.get("txasync")
        uri = str(data.get("uri", ""))
        path = to_path(uri)
        if path is None:
            return None
        if kind == "convert" or kind == "convertFile":
            keys = data.get("keys")
            if not isinstance(keys, list) or not keys:
                return None
            return fixes.conversion({str(k) for k in keys})
        if kind == "fixAll":
            return fixes.safe_fixes(path)
        if kind == "fix":
            return self._finding_fix(path, data)
        return None

    def _finding_fix(self, path: str, data: dict[str, Any]) -> fixes.PlanMaker:
        code, key = data.get("code"), data.get("key", "")
        span, ordinal = data.get("span"), data.get("ordinal", 0)
        version = data.get("version")
        session = self.session

        def make(snap: Snapshot) -> fixes.Planned:
            findings = [f for f in snap.findings(path) if f.code == code]
            chosen = None
            if snap.versions.get(path) == version and isinstance(span, list):
                chosen = next((f for f in findings if [f.span.line, f.span.col, f.span.end_line,
                                                       f.span.end_col] == span), None)
            if chosen is None:  # the document moved on: the same finding by function and order
                same = [f for f in findings if adapter.finding_key(snap.project, f) == key]
                if isinstance(ordinal, int) and 0 <= ordinal < len(same):
                    chosen = same[ordinal]
            if chosen is None:
                session.log(f"txasync: the {code} finding is gone; nothing to fix")
                return fixes.Planned({})
            plan = adapter.finding_plan(snap.project, snap.analysis, chosen)
            return fixes.Planned({path: plan} if plan is not None else {})

        return make
