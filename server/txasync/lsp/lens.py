"""Code lens over inlineCallbacks functions: the cost of converting each one, at a glance.

"3 callers need ensureDeferred" tells a reviewer how far a conversion reaches before they
click; "convertible" means nothing else changes; "blocked: ..." says why not. Clicking runs
`txasync.convertFunction`, which converts through `workspace/applyEdit` (or, for a blocked
function, says why it will not).
"""

from __future__ import annotations

import asyncio

from lsprotocol import types

from ..engine import function_key
from . import adapter
from .session import Session
from .uris import to_path

COMMAND = "txasync.convertFunction"
MAX_TITLE = 90


def title_for(status: adapter.Status) -> str:
    if not status.convertible:
        title = f"blocked: {status.reasons[0]}"
        return title if len(title) <= MAX_TITLE else title[:MAX_TITLE - 1] + "…"
    if status.keep_api:
        return "convertible (keeps its Deferred API)"
    if status.wraps:
        return (f"{status.wraps} caller{'s need' if status.wraps != 1 else ' needs'} "
                "ensureDeferred")
    return "convertible"


async def code_lenses(session: Session, params: types.CodeLensParams
                      ) -> list[types.CodeLens] | None:
    uri = params.text_document.uri
    path = to_path(uri)
    if path is None:
        return None
    folder = session.state.folder_for(path)
    if not folder.settings.code_lens:
        return []
    snap = await session.state.snapshot(folder)
    facts = snap.project.facts.get(path)
    text = snap.text(path)
    if facts is None or text is None or path in snap.project.stale:
        return []
    index = session.lines(text)
    lenses = []
    for fn in facts.functions:
        key = function_key(facts.module, fn.qualname)
        if adapter.convertible_kind(snap.analysis, key, fn) is None:
            continue
        # The plan the hover shows and "Convert to async" applies, not the whole-run one.
        conversion = await asyncio.to_thread(snap.conversion, {key})
        status = adapter.conversion_status(conversion, key)
        if status is None:
            continue
        lenses.append(types.CodeLens(
            range=index.range(fn.name_span, session.encoding),
            command=types.Command(title=title_for(status), command=COMMAND,
                                  arguments=[uri, key])))
    return lenses
