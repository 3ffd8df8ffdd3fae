"""Public API of a library: functions its users call, which txasync cannot see.

A distribution's users may do `d = lib.fetch(); d.addCallback(...)`: once `fetch` is an
`async def` that code breaks (a coroutine has no `addCallback`), and nothing in the project
shows it. So when the project declares a distribution (`public-api = "keep"`, the default
then), a public function or method keeps its Deferred-returning signature and only its body
becomes an async helper (keep-API). Public means: no leading underscore in the function's
name, its class path or its module path, defined at module or class level (not nested), and
not in the project's tests, examples or docs. `convert` (globs) and `public-api = "convert"`
override; `keep-deferred-api` keeps more.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..config import Config
from .index import is_test_module
from .model import FunctionFact, ModuleFacts
from .reasons import Reason

if TYPE_CHECKING:
    from .plan import Decision

# Directories (relative to the project root) whose code is not part of the library.
NOT_SHIPPED = frozenset({"test", "tests", "testing", "examples", "example", "docs", "doc",
                         "benchmarks", "scripts"})


def matches_function(globs: tuple[str, ...], module: str, qualname: str) -> bool:
    """Configuration globs (`keep-deferred-api`, `convert`) match `module:qualname`,
    `module.qualname` or the bare qualname."""
    import fnmatch

    names = (f"{module}:{qualname}", f"{module}.{qualname}", qualname)
    return any(fnmatch.fnmatchcase(n, g) for g in globs for n in names)


def is_public(config: Config, facts: ModuleFacts, fn: FunctionFact) -> bool:
    """A function the library's users may call (see the module docstring)."""
    expected = f"{fn.class_qualname}.{fn.name}" if fn.class_qualname else fn.name
    if fn.qualname != expected:
        return False  # nested in a function: nobody outside can call it
    names = [*facts.module.split("."), *fn.qualname.split(".")]
    if any(n.startswith("_") and n != "__init__" for n in names[:-1]) or fn.name.startswith("_"):
        return False
    if is_test_module(facts):
        return False
    try:
        rel = os.path.relpath(facts.path, config.root)
    except ValueError:
        rel = facts.path
    parts = rel.split(os.sep)[:-1]
    return not (rel.startswith("..") or any(p in NOT_SHIPPED for p in parts))


def public_api_reason(config: Config, facts: ModuleFacts, fn: FunctionFact) -> Reason | None:
    """Why `fn` keeps its Deferred API as public API of the project's distribution."""
    if config.public_api != "keep" or not is_public(config, facts, fn):
        return None
    if config.convert and matches_function(config.convert, facts.module, fn.qualname):
        return None
    dist = f" `{config.distribution}`" if config.distribution else ""
    return Reason(
        "public-api",
        f"it is public API of the library{dist}, whose users may call `.addCallback(...)` "
        "on what it returns, which a coroutine does not have (public-api = \"keep\"; list it "
        "in `convert` or set public-api = \"convert\" to convert it)")


def public_kept(decisions: Iterable[Decision]) -> int:
    """How many functions this run rewrites keeping their Deferred API as public API."""
    return sum(1 for d in decisions
               if d.changes and d.keep_api and any(r.kind == "public-api"
                                                   for r in d.caller_reasons
                                                   if isinstance(r, Reason)))
