"""Which of a module's names other workspace modules read from it.

A conversion makes `inlineCallbacks` and `returnValue` unused in the module it rewrites, and
the rewrite drops their imports. But an import binds a module attribute like any other: a
module that does `from .tunnel import *` (tunnel without `__all__`), or
`from .tunnel import inlineCallbacks`, or calls `tunnel.returnValue(...)`, reads it from
there, and fails to import (or fails at run time) once the binding is gone. So the rewrite
keeps an import that some other module reads, however unused it is at home.

The answer is for the modules a fix rewrites, from every module's facts: the names
imported from them by name, the names called or used as decorators through them as modules
(`tunnel.returnValue`), and `STAR` where some module star-imports one (every name
`from M import *` binds, see `model.star_exports`). Code outside the workspace (a library's
users) is not seen.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from .model import ModuleFacts

STAR = "*"  # in a module's set: some workspace module star-imports it


def names_read_elsewhere(modules: Iterable[ModuleFacts], wanted: Collection[str]
                         ) -> dict[str, frozenset[str]]:
    """Module name (of `wanted`) -> the names other modules read from it that it imports
    (with `STAR` for a star import): only an import can be left unused by a rewrite.

    A qualified name is split at its last dot, so `pkg.tunnel.inlineCallbacks` counts for
    `pkg.tunnel`."""
    facts_list = list(modules)
    imported: set[str] = set()  # the local names the wanted modules bind by importing
    for facts in facts_list:
        if facts.module in wanted:
            imported.update(facts.imports)
    read: dict[str, set[str]] = {}

    def note(reader: str, qualified: str | None) -> None:
        if not qualified:
            return
        owner, _, name = qualified.rpartition(".")
        if owner in wanted and owner != reader and name in imported:
            read.setdefault(owner, set()).add(name)

    for facts in facts_list:
        for qualified in facts.imports.values():
            note(facts.module, qualified)
        for alternatives in facts.import_alternatives.values():
            for qualified in alternatives:
                note(facts.module, qualified)
        for star in facts.star_imports:
            if star in wanted and star != facts.module:
                read.setdefault(star, set()).add(STAR)
        for site in facts.calls:  # `tunnel.returnValue(x)`
            if site.callee.name in imported:
                note(facts.module, site.callee.qualified)
        for fn in facts.functions:  # `@tunnel.inlineCallbacks`
            for decorator in fn.decorators:
                note(facts.module, decorator)
    return {module: frozenset(names) for module, names in read.items()}
