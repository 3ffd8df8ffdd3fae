"""## What it does

Reports an `@inlineCallbacks` function that txasync will not convert to a plain `async def`,
and why. The message names the first reason; `txasync check --format json` lists all of
them, and `txasync check --stats` groups them by kind across the project.

## Why is this bad?

The function stays a generator, and so do the parts of a migration waiting on it. Reasons in
the body (a nested `returnValue`, `yield from`, an unknown decorator, `returnValue` inside
`except:`, a `yield` of a Deferred kept in an attribute, which other code may hold and which
`await` reads differently once it has fired) need a hand edit. Reasons on the callers' side
(Twisted calls the method, it overrides a library method, a caller's receiver type is
unknown, the tests replace it with a double) are fixed by converting *keeping the Deferred
API*: the body moves into an `async def` helper and the original name stays a plain
function returning `ensureDeferred(helper(...))`, so no caller sees a difference. `txasync
fix` does this by default.

A method found by a computed name (`getattr(obj, name)(...)`, or the lookup handed to an API
such as `callLater`) may be any method the name can be, so every one of them keeps its
Deferred API (reason `computed-name`). To free them, let the code say which names it can
be: a constant prefix (`getattr(self, "on_" + event)`) limits it to methods starting with
it, and a loop over literal strings (`for name in ("start", "stop"):`) to those names.

## Example

```python
from twisted.internet import defer


@defer.inlineCallbacks
def outer(d):
    def finish(x):
        defer.returnValue(x)
    value = yield d
    finish(value)
```

## Use instead

```python
from twisted.internet import defer


async def outer(d):
    return await d
```

## Fix safety

None for reasons in the body. For reasons on the callers' side the keep-API conversion is
*unsafe* (the body's behaviour moves into a helper; callers keep their Deferred), so
`txasync fix` applies it but editors' fix-all does not.

## Twisted versions

Some reasons depend on `twisted-version`: trial runs `async def` tests only from 22.8, and
before 22.8 `maybeDeferred` (so `LoopingCall`, `DeferredLock.run`, service shutdown) leaves a
coroutine unrun.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..analysis.findings import Finding
from .base import TWISTED_IMPORT, Invalid, Rule, Valid

if TYPE_CHECKING:
    from ..analysis.plan import Decision


def from_decision(decision: Decision) -> Iterator[Finding]:
    """The function that is not converted (plainly), with the first reason why."""
    if decision.shape is not None:
        return  # a pass-through or a chain: its own rule says it
    reasons = decision.all_reasons
    if not reasons:
        return
    fn = decision.fn
    if decision.keep_api_possible:
        message = (f"`{fn.name}` cannot become a plain `async def`: {reasons[0]}; the fix "
                   f"moves its body into an async helper and keeps `{fn.name}` returning "
                   "a Deferred")
    else:
        message = f"`{fn.name}` is not converted: {reasons[0]}"
    yield RULE.finding(
        decision.facts.path, fn.name_span, message, fn.qualname, reason=reasons[0],
        fix_safety="unsafe" if decision.keep_api_possible else "none",
        data={"key": decision.key, "reasons": reasons,
              "keep_api": decision.keep_api_possible,
              "behaviour_changes": list(decision.behaviour_changes)})


RULE = Rule(
    code="TXA002",
    name="inlinecallbacks-blocked",
    severity="information",
    fix_safety="none",
    summary="An inlineCallbacks function txasync will not convert; the message says why.",
    doc=__doc__ or "",
    fix_title="Convert keeping the Deferred API",
    from_decision=from_decision,
    invalid=(
        Invalid(
            TWISTED_IMPORT + "@defer.inlineCallbacks\ndef pump(source):\n"
            "    yield from source.chunks()\n",
            fixed=None,
        ),
        Invalid(
            TWISTED_IMPORT + "@defer.inlineCallbacks\ndef load(d):\n    try:\n"
            "        value = yield d\n        defer.returnValue(value)\n"
            "    except:\n        pass\n",
            fixed=None,
        ),
    ),
    valid=(
        Valid(TWISTED_IMPORT + "@defer.inlineCallbacks\ndef load(d):\n"
              "    value = yield d\n    return value\n"),
    ),
)
