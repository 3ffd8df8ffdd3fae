"""## What it does

Finds a straight-line callback chain on a new Deferred, `d = f(...)`, then
`d.addCallback(g)`, `d.addErrback(h)`, `addCallbacks`, `addBoth` (or the same chained on one
expression), then `return d`, in a function that does nothing else with `d`. It becomes
`async def` with `await` and `try`/`except`, keeping Twisted's order exactly.

## Why is this bad?

Callback chains are the hardest Deferred code to read and the last to be converted by hand:
the migration that started this project stopped at them. Their semantics are precise and
easy to get wrong when rewritten by hand: an errback catches the failure of everything before
it in the chain; `addCallbacks(g, e)` does not route `g`'s failure to `e`; `addBoth` sees both;
a callback returning a Deferred is waited on; `failure.trap(E)` re-raises anything else; an
errback that returns a value recovers.

## Example

```python
from twisted.internet import defer


@defer.inlineCallbacks
def load(key):
    yield defer.succeed(None)
    return key


def size(key):
    d = load(key)
    d.addCallback(len)
    d.addErrback(lambda f: f.trap(KeyError))
    return d
```

## Use instead

```python
from twisted.internet import defer


async def load(key):
    await defer.succeed(None)
    return key


async def size(key):
    try:
        result = await load(key)
        result = len(result)
    except KeyError:
        result = KeyError
    return result
```

## Fix safety

*Unsafe*, as TXA001: the function's return type changes. A callback is called in place only
where it provably returns a plain value, awaited where it provably returns a new Deferred, and
run through `defer.maybeDeferred` otherwise. Anything else done with `d` (stored, passed on,
returned early, cancelled, chained conditionally, fired with `d.callback`) is refused with the
reason. Errbacks are reached by `except Exception`: a `KeyboardInterrupt` or `SystemExit`
raised inside the chain, which Twisted would hand to an errback, propagates instead. An errback
gets a new plain `Failure` of the exception: nothing converts where a `Failure` subclass may
pass (the project's or a library's, as `CopiedFailure`: `failure-subclass`).

## Twisted versions

Every version txasync targets (measured with 22.4 and 26.10: docs/twisted-semantics.md).
Opt-in: a run considers these functions only when `select` names this code exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..analysis.findings import Finding
from .base import TWISTED_IMPORT, Invalid, Rule, Valid
from .txa005_deferred_pass_through import LOAD, LOADED, shape_finding

if TYPE_CHECKING:
    from ..analysis.plan import Decision



def from_decision(decision: Decision) -> Iterator[Finding]:
    """A callback chain's decision, said as this rule's finding."""
    if decision.shape is None or decision.shape.kind != "chain":
        return
    yield from shape_finding(RULE, decision, "callback chain")


RULE = Rule(
    code="TXA006",
    name="callback-chain",
    severity="information",
    fix_safety="unsafe",
    summary="A straight-line callback chain (`d = f(); d.addCallback(g); d.addErrback(h); "
    "return d`) on a new Deferred: it becomes `async def` with `await` and `try`/`except`, "
    "keeping Twisted's order (an errback catches everything before it; `addCallbacks(g, e)` "
    "does not route `g`'s failure to `e`). Opt-in: `select` must name it.",
    doc=__doc__ or "",
    fix_title="Convert the callback chain to async (`await`, `try`/`except`)",
    from_decision=from_decision,
    opt_in=True,
    invalid=(
        Invalid(LOAD + "def size(key):\n    d = load(key)\n    d.addCallback(len)\n"
                "    d.addErrback(lambda f: f.trap(KeyError))\n    return d\n",
                fixed=LOADED + "async def size(key):\n    try:\n"
                "        result = await load(key)\n        result = len(result)\n"
                "    except KeyError:\n        result = KeyError\n    return result\n"),
        Invalid(LOAD + "def shout(key):\n    return load(key).addCallback(str.upper)\n",
                fixed=LOADED + "async def shout(key):\n    result = await load(key)\n"
                "    result = await defer.maybeDeferred(str.upper, result)\n"
                "    return result\n"),
    ),
    valid=(
        Valid(TWISTED_IMPORT + "async def size(d):\n    return len(await d)\n"),
        Valid(TWISTED_IMPORT + "def size(key):\n    return len(key)\n"),
    ),
)
