"""Which names in a module stand for an alias of `typing.Generator` defined in the workspace.

A project that spells its inlineCallbacks return type once (`InlineCallbacksType =
Generator[..., Any, _T]` in a utility module) imports the alias wherever it is used, often
under `if TYPE_CHECKING:`. Converting such a function to `async def` must turn
`-> InlineCallbacksType[None]` into `-> None`, which the rewrite can do only when it knows
the name is such an alias and what its parameters make of the return type: those facts
live in the defining module's `ModuleFacts.generator_aliases`, and this module follows the
importing module's imports to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .model import GeneratorAlias, ModuleFacts

_MAX_HOPS = 4  # re-exports followed (`from .twisted import InlineCallbacksType` in a package)


def generator_aliases_for(facts: ModuleFacts, modules: Mapping[str, ModuleFacts]
                          ) -> dict[str, GeneratorAlias]:
    """The module's names (as written: `X`, or `mod.X` through a module import) that are
    aliases of Generator: its own, and those it imports from workspace modules."""
    found = dict(facts.generator_aliases)
    for local, qualified in facts.imports.items():
        alias = _lookup(qualified, modules, _MAX_HOPS)
        if alias is not None:
            found[local] = alias
            continue
        module = modules.get(qualified)
        if module is not None:  # `import pkg.util as u`: `u.InlineCallbacksType`
            for name in module.generator_aliases:
                found[f"{local}.{name}"] = module.generator_aliases[name]
    return found


def _lookup(qualified: str, modules: Mapping[str, ModuleFacts], hops: int
            ) -> GeneratorAlias | None:
    module_name, _, name = qualified.rpartition(".")
    module = modules.get(module_name)
    if module is None or not name:
        return None
    if name in module.generator_aliases:
        return module.generator_aliases[name]
    onward = module.imports.get(name)
    if onward is None or hops <= 0 or onward == qualified:
        return None
    return _lookup(onward, modules, hops - 1)


def modules_by_name(all_facts: Iterable[ModuleFacts]) -> dict[str, ModuleFacts]:
    """The workspace's facts by module name (the first of two files claiming one name)."""
    table: dict[str, ModuleFacts] = {}
    for facts in all_facts:
        table.setdefault(facts.module, facts)
    return table
