"""From "what should change" to a WorkspaceEdit the client can apply, safely.

Shared by code actions, commands and fix-on-save: plan on a current snapshot (off the event
loop), re-read any planned file that is not open so its edit matches the disk, rewrite, and
build one versioned edit. If a document changes while this runs, it starts again on the new
version rather than hand the client an edit for text it no longer has.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from ..analysis.findings import FilePlan
from . import adapter
from .session import Session
from .state import Folder, Snapshot
from .workspace_edit import BuiltEdit, EditError, build_edit

ATTEMPTS = 3


@dataclass
class Planned:
    plans: dict[str, FilePlan]
    converted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    built: BuiltEdit
    snapshot: Snapshot
    planned: Planned


PlanMaker = Callable[[Snapshot], Planned]


async def compute(session: Session, folder: Folder, make: PlanMaker,
                  should_stop: Callable[[], bool] | None = None,
                  progress: Callable[[int, int], None] | None = None) -> Result:
    """Plan with `make`, rewrite, and build the edit (raises EditError when impossible)."""
    state = session.state
    for _attempt in range(ATTEMPTS):
        snap = await state.snapshot(folder)
        planned = await asyncio.to_thread(make, snap)
        closed = [p for p in planned.plans if session.open_text(p) is None]
        if await state.refresh_from_disk(folder, closed):
            continue  # a file changed on disk since it was indexed: plan again
        broken = sorted(p for p in planned.plans if p in snap.project.stale)
        if broken:
            raise EditError(f"{session.display_path(broken[0], folder.root)} does not parse "
                            "right now; fix the syntax error first")
        outcomes = []
        for done, path in enumerate(sorted(planned.plans)):
            if should_stop is not None and should_stop():
                raise asyncio.CancelledError()
            if progress is not None:
                progress(done, len(planned.plans))
            outcomes.extend(await asyncio.to_thread(
                adapter.run_fixes, snap.project, {path: planned.plans[path]}))
        if any(session.version_of(p) != snap.versions.get(p)
               for p in planned.plans if session.open_text(p) is not None):
            continue  # typed into while we worked: recompute for the new version
        versions = {p: snap.versions.get(p) if session.open_text(p) is not None else None
                    for p in planned.plans}
        uris = {p: session.uri_for(p) for p in planned.plans}
        built = build_edit(outcomes, uris, versions, session.encoding, session.document_changes)
        return Result(built, snap, planned)
    raise EditError("the files kept changing while the edit was computed; try again")


def conversion(keys: set[str]) -> PlanMaker:
    """Convert exactly `keys` (and wrap their callers)."""

    def make(snap: Snapshot) -> Planned:
        # The snapshot's own plan, the one hover and code lens showed (copied: rewriting
        # must not change what they read).
        result = snap.conversion(keys)
        return Planned(copy.deepcopy(result.plans), list(result.converted),
                       dict(result.refused))

    return make


def safe_fixes(path: str) -> PlanMaker:
    """The safe fixes of one file: `source.fixAll`, fix-on-save."""

    def make(snap: Snapshot) -> Planned:
        plan = adapter.safe_plan(snap.project, snap.analysis, path)
        return Planned({path: plan} if plan is not None else {})

    return make


def whole_workspace(snap: Snapshot) -> Planned:
    """What `txasync fix` does: convert everything convertible, plus every safe fix."""
    from .. import engine

    plans = engine.plans_for(snap.project, snap.analysis)
    converted = sorted(k for k, d in snap.analysis.decisions.items() if d.changes)
    return Planned(plans, converted)


__all__ = ["EditError", "Planned", "Result", "compute", "conversion", "safe_fixes",
           "whole_workspace"]
