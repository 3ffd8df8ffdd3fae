"""## What it does

Finds an `@inlineCallbacks` function that txasync can convert to `async def`, together with
every caller (in any file) that then needs `defer.ensureDeferred(...)`.

## Why is this bad?

inlineCallbacks generators are the pre-`async def` way to write asynchronous Twisted code:
slower, with longer tracebacks, `returnValue` (deprecated since Twisted 24.7), and no help
from type checkers. But calling an inlineCallbacks function starts it at once and returns a
Deferred, while calling an `async def` returns a coroutine that does nothing until it is
awaited. So the conversion is only half the work: every caller that does anything but
`await` the result (stores it, calls `.addCallback`, passes it on, returns it, or drops it)
is wrapped in `defer.ensureDeferred(...)`, in whatever file it is.

## Example

```python
from twisted.internet import defer


@defer.inlineCallbacks
def double(d):
    value = yield d
    return value * 2
```

## Use instead

```python
from twisted.internet import defer


async def double(d):
    value = await d
    return value * 2
```

## Fix safety

*Unsafe* in the ruff sense: the function's return type changes (a coroutine function instead
of one returning a Deferred), so `txasync fix` applies it but editors' fix-all does not. A
yield whose value txasync cannot prove is a Deferred becomes `await defer.maybeDeferred(...)`
(see TXA004), which behaves as the yield did for every value.

## Twisted versions

`ensureDeferred` and awaiting a Deferred need Twisted 16.4; `twisted-version` decides what
else is safe (see docs/twisted-semantics.md). Before 24.7, a yield of a coroutine hands the
coroutine back unrun; the converted `await` runs it, and the message says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..analysis.findings import Finding
from . import txa004_unknown_yield as unknown_yield
from .base import TWISTED_IMPORT, Invalid, Rule, Valid

if TYPE_CHECKING:
    from ..analysis.plan import Decision


def from_decision(decision: Decision) -> Iterator[Finding]:
    """The convertible function (nothing blocks it), with what converting it does."""
    if decision.shape is not None:
        return  # a pass-through or a chain: its own rule says it
    if decision.all_reasons:
        return
    facts, fn = decision.facts, decision.fn
    plain = [(f, w) for f, w in decision.wraps if w.kind != "aware"]
    files = {os.path.basename(f.path) for f, _ in plain}
    n = len(plain)
    func = plain[0][1].func if plain else "ensureDeferred"
    callers = (f"; {n} caller{'s' if n != 1 else ''} will be wrapped in {func}"
               + (f" ({', '.join(sorted(files))})" if files else "")) if n else ""
    aware = len(decision.wraps) - n
    if aware:
        callers += (f"; {aware} call{'s' if aware != 1 else ''} that may reach it or a "
                    "plain function will start a coroutine result "
                    "(`if inspect.iscoroutine(...)`)")
    if decision.keep_api:
        callers = "; it keeps returning a Deferred (keep-deferred-api)"
    changes = "".join(f"; behaviour changes on purpose: {c}" for c in decision.behaviour_changes)
    unknown = len(decision.unknown_yields)
    maybe = (f"; {unknown} yield{'s' if unknown != 1 else ''} of values txasync cannot "
             f"tell are Deferreds become `await defer.maybeDeferred(...)` "
             f"({unknown_yield.RULE.code})" if unknown else "")
    yield RULE.finding(
        facts.path, fn.name_span,
        f"`{fn.name}` can be converted to `async def`{callers}{maybe}{changes}",
        fn.qualname, data={"key": decision.key, "wraps": n, "keep_api": decision.keep_api,
                           "unknown_yields": unknown,
                           "behaviour_changes": list(decision.behaviour_changes)})


RULE = Rule(
    code="TXA001",
    name="inlinecallbacks-convertible",
    severity="information",
    fix_safety="unsafe",
    summary="An inlineCallbacks function that txasync can convert to `async def`, fixing every "
    "caller that still needs a Deferred.",
    doc=__doc__ or "",
    fix_title="Convert to async",
    from_decision=from_decision,
    invalid=(
        Invalid(
            TWISTED_IMPORT + "@defer.inlineCallbacks\ndef total(store):\n"
            "    a = yield store.get('a')\n    defer.returnValue(a + 1)\n\n\n"
            "def start(store):\n    total(store).addCallback(print)\n",
            fixed=TWISTED_IMPORT + "async def total(store):\n"
            "    a = await defer.maybeDeferred(store.get, 'a')\n    return a + 1\n\n\n"
            "def start(store):\n"
            "    defer.ensureDeferred(total(store)).addCallback(print)\n",
        ),
        Invalid(
            TWISTED_IMPORT + "@defer.inlineCallbacks\ndef ping():\n"
            "    yield defer.succeed(None)\n\n\n"
            "@defer.inlineCallbacks\ndef twice():\n    yield ping()\n    yield ping()\n",
            fixed=TWISTED_IMPORT + "async def ping():\n    await defer.succeed(None)\n\n\n"
            "async def twice():\n    await ping()\n    await ping()\n",
        ),
    ),
    valid=(
        Valid(TWISTED_IMPORT + "async def total(store):\n"
              "    a = await store.get('a')\n    return a + 1\n"),
        Valid(TWISTED_IMPORT + "def total(store):\n"
              "    return store.get('a').addCallback(lambda a: a + 1)\n"),
    ),
)
