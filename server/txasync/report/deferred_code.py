"""Which plain functions of a module are Deferred code still to convert (for `progress`).

A pass-through or a callback chain is as much left of the migration as an
inlineCallbacks function, whether or not a run selects those rules. Progress counts them
from the module's own facts, not the workspace: the history walk counts one git blob at a
time (and caches the counts per blob), and the current tree must count the same way so that
the last history point equals `txasync progress` on a clean checkout.

- a *chain*: a plain function that calls `addCallback`/`addErrback`/`addBoth`/
  `addCallbacks` in its own body (straight-line or not: a refused chain is still to do);
- a *pass-through*: a plain function whose every `return` hands out `defer.succeed(...)`/
  `defer.fail(...)`, a Twisted call that makes a Deferred, or a call to a function of the
  same module that is inlineCallbacks, a chain or such a pass-through (a bare name, or
  `self.`/`cls.` of the method's class). A call into another module cannot be told from the
  one file, so such a pass-through is not counted: the count is a lower bound.
"""

from __future__ import annotations

import re
from typing import Literal

from ..analysis.deferred_plan import FRESH_APIS
from ..analysis.model import FunctionFact, ModuleFacts, Ref

DeferredKind = Literal["passthrough", "chain"]

# Without one of these a file has no Deferred code by the rules above: the history walk
# skips the parse. A chain names its method; a pass-through's evidence is an
# inlineCallbacks function (named so), a chain, or a Twisted API imported from Twisted.
_CHAIN_TEXT = re.compile(rb"\.add(?:Callback|Errback|Both)")
# (An alias, `from twisted.internet.defer import succeed as ok`, still names the API.)
_TWISTED_TEXT = re.compile(rb"\btwisted\b")
_FRESH_TEXT = re.compile(rb"\b(?:succeed|fail|maybeDeferred|gatherResults|DeferredList|"
                         rb"ensureDeferred|execute|fromCoroutine|deferLater|deferToThread"
                         rb"|deferToThreadPool)\b")


def may_hold_deferred_code(data: bytes) -> bool:
    """False when the bytes cannot hold a chain or a pass-through without also naming
    inlineCallbacks (which the caller's own prefilter looks for)."""
    return bool(_CHAIN_TEXT.search(data)) or bool(
        _TWISTED_TEXT.search(data) and _FRESH_TEXT.search(data))


def _local_target(fn: FunctionFact, ref: Ref, by_qualname: dict[str, int]) -> int | None:
    """The index of the same-module function a returned call runs, when the text tells."""
    if ref.kind == "name" and ref.qualified is None and not fn.binds_locally(ref.name):
        return by_qualname.get(ref.name)
    if ref.kind == "attr" and ref.receiver in ("self", "cls") and fn.self_class:
        return by_qualname.get(f"{fn.self_class}.{ref.name}")
    return None


def deferred_functions(facts: ModuleFacts) -> dict[int, DeferredKind]:
    """Index in `facts.functions` -> kind, for the module's plain Deferred functions."""
    functions = facts.functions
    found: dict[int, DeferredKind] = {}
    candidates: list[int] = []
    for i, fn in enumerate(functions):
        shape = fn.shape
        if shape is None or fn.is_ic or fn.is_async:
            continue
        if shape.kind == "chain":
            found[i] = "chain"
        elif shape.returns:
            candidates.append(i)
    if not candidates:
        return found
    by_qualname = {fn.qualname: i for i, fn in enumerate(functions)}
    changed = True
    while changed:  # a pass-through of a pass-through: to the fixed point
        changed = False
        for i in candidates:
            if i in found:
                continue
            fn = functions[i]
            assert fn.shape is not None
            if all(_deferred_return(fn, r.form, r.callee, by_qualname, functions, found)
                   for r in fn.shape.returns):
                found[i] = "passthrough"
                changed = True
    return found


def _deferred_return(fn: FunctionFact, form: str, callee: Ref, by_qualname: dict[str, int],
                     functions: list[FunctionFact], found: dict[int, DeferredKind]) -> bool:
    if form != "call" or callee.qualified in FRESH_APIS:
        return True
    target = _local_target(fn, callee, by_qualname)
    return target is not None and (functions[target].is_ic or target in found)
