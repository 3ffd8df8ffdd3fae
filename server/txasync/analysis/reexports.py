"""Which of a module's imported names other workspace modules read from it.

A conversion makes `inlineCallbacks` and `returnValue` unused in the module it rewrites, and
the rewrite drops their imports. But an import binds a module attribute like any other: a
module that does `from .tunnel import *` (tunnel without `__all__`), or
`from .tunnel import inlineCallbacks`, or calls `tunnel.returnValue(...)`, reads it from
there, and fails to import (or fails at run time) once the binding is gone. So the rewrite
keeps an import that some other module reads, however unused it is at home.

Read from every module's facts: the names imported by name, the names called or used as
decorators through a module (`tunnel.returnValue`), and `STAR` where a module star-imports
another (every name `from M import *` binds, see `model.star_exports`). Qualified names are
resolved by the workspace (`Workspace.split_qualified`: namespace packages included). Code
outside the workspace (a library's users) is not seen. `Workspace.read_elsewhere` keeps the
answer for the life of the workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .index import Workspace

STAR = "*"  # in a module's set: some workspace module star-imports it


def names_read_elsewhere(ws: Workspace) -> dict[str, frozenset[str]]:
    """Module name -> the names it imports that other modules read from it (with `STAR` for
    a star import of it)."""
    imported = {name for facts in ws.modules.values() for name in facts.imports}
    read: dict[str, set[str]] = {}

    def note(reader: str, qualified: str | None) -> None:
        split = ws.split_qualified(qualified) if qualified else None
        if split is not None and split[0] != reader and split[1] in (
                ws.by_module[split[0]].imports):
            read.setdefault(split[0], set()).add(split[1])

    for facts in ws.modules.values():
        for qualified in facts.imports.values():
            note(facts.module, qualified)
        for alternatives in facts.import_alternatives.values():
            for qualified in alternatives:
                note(facts.module, qualified)
        for star in facts.star_imports:
            split = ws.split_qualified(f"{star}.{STAR}")
            if split is not None and split[1] == STAR and split[0] != facts.module:
                read.setdefault(split[0], set()).add(STAR)
        for site in facts.calls:  # `tunnel.returnValue(x)`
            if site.callee.name in imported:
                note(facts.module, site.callee.qualified)
        for fn in facts.functions:  # `@tunnel.inlineCallbacks`
            for decorator in fn.decorators:
                note(facts.module, decorator)
    return {module: frozenset(names) for module, names in read.items()}
