"""Hover on an inlineCallbacks or async function: who calls it, and who would need a wrap.

The question a migrating developer has at a function is "what breaks if I convert this?".
The engine's callers report answers it; this module only lays it out: awaited callers are
fine, the others need `ensureDeferred` and say why (what they do with the result), callers
matched by name only (receiver type unknown) are listed apart, and a blocked function says
what blocks it. Each caller links to `file:///...#L<line>`.
"""

from __future__ import annotations

import asyncio
import os

from lsprotocol import types

from .. import engine
from . import adapter
from .diagnostics import line_map
from .session import Session
from .state import Snapshot
from .uris import from_path

MAX_LISTED = 15


def _link(session: Session, snap: Snapshot, info: engine.CallerInfo) -> str:
    shown = session.display_path(info.path, snap.folder.root)
    return f"[{shown}:{info.span.line}]({from_path(info.path)}#L{info.span.line})"


def _section(session: Session, snap: Snapshot, title: str, infos: list[engine.CallerInfo],
             lines: list[str]) -> None:
    if not infos:
        return
    lines += ["", f"**{title}**", ""]
    for info in infos[:MAX_LISTED]:
        lines.append(f"- {_link(session, snap, info)} — {info.why}")
    if len(infos) > MAX_LISTED:
        lines.append(f"- … and {len(infos) - MAX_LISTED} more")


def render(session: Session, snap: Snapshot, key: str, callers: list[engine.CallerInfo]
           ) -> str:
    """The hover text for the function `key` (Markdown). An inlineCallbacks function's
    status and wraps come from the snapshot's conversion plan, the one the "Convert to
    async" edit and the code lens use."""
    found = adapter.lookup_function(snap.project, key)
    assert found is not None
    _, fn = found
    kind = adapter.convertible_kind(snap.analysis, key, fn)
    lines = [f"**txasync** · `{key}` ({kind or 'async def'})"]
    status = adapter.conversion_status(snap.conversion({key}), key) if kind else None
    if status is not None and status.convertible:
        extra = " (keeping its Deferred API)" if status.keep_api else ""
        lines += ["", f"Convertible to `async def`{extra}."]
    elif status is not None:
        lines += ["", f"Blocked: {status.reasons[0]}"]
        for reason in status.reasons[1:3]:
            lines.append(f"also: {reason}")
    covered = engine.covered_by_tests(snap.project, key)
    if covered is not None:
        lines += ["", f"Covered by tests: {'yes' if covered else 'no'} (`txasync probe`)."]
    # Every call site that gets a wrap is counted and listed once, whether its receiver's
    # type is known or not: the count is the number of wraps the edit makes.
    wrap = [c for c in callers if c.needs_wrap]
    fine = [c for c in callers if not c.needs_wrap and not c.possible]
    possible = [c for c in callers if not c.needs_wrap and c.possible]
    n = len(wrap) + len(fine)
    if n == 0:
        lines += ["", "No callers in the workspace."]
    else:
        why = "" if kind else " (it returns a coroutine)"
        lines += ["", f"{n} caller{'s' if n != 1 else ''}: {len(fine)} fine as they are, "
                      f"{len(wrap)} need{'s' if len(wrap) == 1 else ''} `ensureDeferred`{why}."]
    _section(session, snap, "Need `ensureDeferred`", wrap, lines)
    _section(session, snap, "Fine", fine, lines)
    _section(session, snap, "Possible callers (receiver type unknown), fine", possible, lines)
    folder = snap.folder
    if folder.implicit:
        lines += ["", f"_Project root: `{folder.root}` ({folder.root_reason}; the editor sent "
                      "no workspace folder for this file)._"]
    return "\n".join(lines)


async def hover(session: Session, params: types.HoverParams) -> types.Hover | None:
    document = await session.document(params.text_document.uri)
    if document is None:
        return None
    path, snap, text = document
    if text is None:
        return None
    current = snap.project.sources[path].text if path in snap.project.sources else text
    line0 = params.position.line
    if text is not current:
        # The document does not parse: its facts are for the last good text.
        back = {new: old for old, new in line_map(text, current).items()}
        if line0 not in back:
            return None
        line0 = back[line0]
    index = session.lines(text)
    line, col = index.char_position(types.Position(line0, params.position.character),
                                    session.encoding)
    key = engine.function_at(snap.project, path, line, col)
    if key is None:
        return None
    found = adapter.lookup_function(snap.project, key)
    if found is None:
        return None
    # A pass-through or chain is hovered like an inlineCallbacks function when its opt-in
    # rule is selected (the engine then decides about it), and not otherwise.
    kind = adapter.convertible_kind(snap.analysis, key, found[1])
    if kind is None and not found[1].is_async:
        return None

    def report() -> list[engine.CallerInfo]:
        conversion = snap.conversion({key}) if kind else None
        return engine.callers_report(snap.project, key, snap.analysis, conversion)

    callers = await asyncio.to_thread(report)
    body = render(session, snap, key, callers)
    facts, fn = found
    hover_range = None
    if os.path.abspath(facts.path) == path and fn.name_span.line == line and text is current:
        hover_range = index.range(fn.name_span, session.encoding)
    kind = types.MarkupKind.Markdown if session.markdown else types.MarkupKind.PlainText
    return types.Hover(contents=types.MarkupContent(kind=kind, value=body), range=hover_range)
