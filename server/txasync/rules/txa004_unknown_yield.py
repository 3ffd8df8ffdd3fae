"""## What it does

Marks a `yield` in a function being converted whose value txasync cannot prove is a Deferred:
it becomes `await defer.maybeDeferred(...)`, which behaves like the yield did for plain
values too.

## Why is this bad?

An `await` of a plain value raises `TypeError`, but inlineCallbacks hands plain yielded
values straight back, and real code relies on that (caches that return a value or a
Deferred, test doubles returning plain values). `defer.maybeDeferred(f, *args)` calls `f` and
wraps a plain result, so the converted code behaves like the generator did; it is only
noisier than a plain `await`. Once the callee is known to return a Deferred or a coroutine
(an annotation, a docstring on a declaration, or `txasync probe`'s evidence), a plain `await`
is enough.

## Example

```python
from twisted.internet import defer


@defer.inlineCallbacks
def f(cache, key):
    value = yield cache.lookup(key)
    return value
```

## Use instead

```python
from twisted.internet import defer


@defer.inlineCallbacks
def f(d):
    value = yield defer.succeed(d)
    return value
```

## Fix safety

None of its own: the yield is rewritten as part of converting its function (TXA001). Set
`unknown-yield = "await"` to trust every yield, or `"refuse"` to leave such functions alone.

## Twisted versions

Every version. One finding per such yield would drown the rest on a large project: the CLI
lists them only with `--select TXA004` (each TXA001 message counts them), and the editor
shows them as hints.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..analysis.findings import Finding
from .base import TWISTED_IMPORT, Invalid, Rule, Valid

if TYPE_CHECKING:
    from ..analysis.plan import Decision


def from_decision(decision: Decision) -> Iterator[Finding]:
    """Each yield of a function this run converts that becomes `maybeDeferred`."""
    if decision.shape is not None:
        return  # a pass-through or a chain: its own rule says it
    if not decision.changes:
        return
    for y in decision.unknown_yields:
        yield RULE.finding(
            decision.facts.path, y.span,
            "txasync cannot tell whether this yields a Deferred; it converts to "
            "`await defer.maybeDeferred(...)`, which also handles plain values",
            decision.fn.qualname)


RULE = Rule(
    code="TXA004",
    name="unknown-yield",
    severity="hint",
    fix_safety="none",
    summary="A converted `yield` whose value txasync cannot prove is a Deferred: it becomes "
    "`await defer.maybeDeferred(...)`, which behaves like the yield did for plain "
    "values too. Once the callee is known to return a Deferred or a coroutine, a plain "
    "`await` is enough. One finding per such yield would drown the rest on a large "
    "project: the CLI lists them only with `--select TXA004` (each TXA001 message "
    "counts them), and the editor shows them as hints.",
    doc=__doc__ or "",
    fix_title="Convert the function to async (the yield becomes "
    "`await defer.maybeDeferred(...)`)",
    from_decision=from_decision,
    opt_in=True,
    invalid=(
        Invalid(
            TWISTED_IMPORT + "@defer.inlineCallbacks\ndef f(cache, key):\n"
            "    value = yield cache.lookup(key)\n    return value\n",
            fixed=TWISTED_IMPORT + "async def f(cache, key):\n"
            "    value = await defer.maybeDeferred(cache.lookup, key)\n"
            "    return value\n",
        ),
        Invalid(
            TWISTED_IMPORT + "@defer.inlineCallbacks\ndef f(cache, key):\n"
            "    value = yield cache[key]\n    return value\n",
            fixed=TWISTED_IMPORT + "async def f(cache, key):\n"
            "    value = await defer.maybeDeferred(lambda: cache[key])\n"
            "    return value\n",
        ),
    ),
    valid=(
        Valid(TWISTED_IMPORT + "from twisted.internet.defer import Deferred\n\n\n"
              "class Cache:\n    def lookup(self, key) -> Deferred:\n"
              "        return defer.succeed(key)\n\n\n"
              "@defer.inlineCallbacks\ndef f(cache: Cache, key):\n"
              "    value = yield cache.lookup(key)\n    return value\n"),
    ),
)
