"""## What it does

Finds a plain (undecorated) function whose every `return` hands out a new Deferred made by a
call: an inlineCallbacks or `async def` function, a Twisted API that makes one, or
`defer.succeed(x)` / `defer.fail(e)`. It becomes `async def` with `return await ...`
(`return x`, `raise e`), and its callers are handled exactly as an inlineCallbacks
function's (TXA001): wrapped where a Deferred is needed, a Deferred API kept where callers
are unknown.

## Why is this bad?

After its callee is converted, `def load_default(key): return load(key or "x")` still hands
out a Deferred (`ensureDeferred(load(...))`), and `progress` still counts it as Deferred code.
The migration that started this project made such functions `async` and awaited the callee
inside them, for clarity.

## Example

```python
from twisted.internet import defer


@defer.inlineCallbacks
def load(key):
    yield defer.succeed(None)
    return key


def load_default(key):
    return load(key or "x")
```

## Use instead

```python
from twisted.internet import defer


async def load(key):
    await defer.succeed(None)
    return key


async def load_default(key):
    return await load(key or "x")
```

## Fix safety

*Unsafe*, as TXA001: the function's return type changes. The plain function ran its body up to
the call at once; the coroutine runs when awaited or wrapped. A body that could raise before
the call converts only where every caller awaits or yields it at once (the exception reaches
them the same way); otherwise it is refused (`raises-sync`). Only a Deferred nobody else holds
is awaited in place (awaiting one takes its result away from other holders). `await` hands
callers a new plain `Failure` of a failure's exception: nothing converts where a `Failure`
subclass may pass (one of the project's, or of a library it imports, as Perspective Broker's
or foolscap's `CopiedFailure`: `failure-subclass`). A pass-through that must keep its Deferred
API (a caller whose receiver txasync cannot type) stays as written: an async helper behind a
wrapper would only hand back what it returns today (`passthrough-kept`).

## Twisted versions

Every version txasync targets (measured with 22.4 and 26.10: docs/twisted-semantics.md).
Opt-in: a run considers these functions only when `select` names this code exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..analysis.findings import Finding, FixSafety
from .base import TWISTED_IMPORT, Invalid, Rule, Valid

if TYPE_CHECKING:
    from ..analysis.plan import Decision

# An inlineCallbacks `load` and its conversion: the callee of these rules' examples.
LOAD = TWISTED_IMPORT + ("@defer.inlineCallbacks\ndef load(key):\n"
                          "    yield defer.succeed(None)\n    return key\n\n\n")
LOADED = TWISTED_IMPORT + ("async def load(key):\n    await defer.succeed(None)\n"
                            "    return key\n\n\n")


def shape_finding(rule: Rule, decision: Decision, what: str) -> Iterator[Finding]:
    """The finding of a pass-through or a callback chain: convertible, convertible keeping
    its Deferred API, or not converted and why (shared with the chain rule)."""
    facts, fn = decision.facts, decision.fn
    reasons = decision.all_reasons
    n = len(decision.wraps)
    if not reasons:
        callers = f"; {n} caller{'s' if n != 1 else ''} will be wrapped" if n else ""
        message = f"`{fn.name}` ({what}) can be converted to `async def`{callers}"
        safety: FixSafety = "unsafe"
    elif decision.keep_api_possible:
        message = (f"`{fn.name}` ({what}) cannot become a plain `async def`: {reasons[0]}; "
                   "the fix moves its body into an async helper and keeps it returning a "
                   "Deferred")
        safety = "unsafe"
    else:
        message = f"`{fn.name}` ({what}) is not converted: {reasons[0]}"
        safety = "none"
    yield rule.finding(facts.path, fn.name_span, message, fn.qualname,
                       reason=str(reasons[0]) if reasons else "",
                       fix_safety=safety,
                       data={"key": decision.key, "wraps": n,
                             "reasons": [str(r) for r in reasons],
                             "keep_api": decision.keep_api_possible and bool(reasons),
                             "converts": not decision.reasons})


def from_decision(decision: Decision) -> Iterator[Finding]:
    """A pass-through's decision, said as this rule's finding."""
    if decision.shape is None or decision.shape.kind != "passthrough":
        return
    yield from shape_finding(RULE, decision, "pass-through")


RULE = Rule(
    code="TXA005",
    name="deferred-pass-through",
    severity="information",
    fix_safety="unsafe",
    summary="A plain function whose every `return` hands out a new Deferred from a call (an "
    "inlineCallbacks function, a Twisted API, `succeed(x)`, `fail(e)`): it becomes "
    "`async def` with `return await ...`, its callers handled as for an inlineCallbacks "
    "function. Opt-in: `select` must name it.",
    doc=__doc__ or "",
    fix_title="Convert to async (`return await ...`)",
    from_decision=from_decision,
    opt_in=True,
    invalid=(
        Invalid(LOAD + "def load_default(key):\n    return load(key or 'x')\n",
                fixed=LOADED + "async def load_default(key):\n"
                "    return await load(key or 'x')\n"),
        Invalid(LOAD + "def cached(cache, key):\n    if key in cache:\n"
                "        return defer.succeed(cache[key])\n"
                "    return defer.fail(KeyError(key))\n",
                fixed=LOADED + "async def cached(cache, key):\n    if key in cache:\n"
                "        return cache[key]\n    raise KeyError(key)\n"),
    ),
    valid=(
        Valid(LOAD + "def load_later(key, pending):\n    d = load(key)\n"
              "    pending.append(d)\n    return d\n"),
        Valid(LOAD + "def shared(d):\n    return d\n"),
    ),
)
