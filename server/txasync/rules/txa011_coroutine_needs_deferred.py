"""## What it does

Finds a call of an `async def` whose coroutine is used where a Deferred is required: called
and dropped, given Deferred methods (`.addCallback`, `.cancel`, ...), or handed to an API that
needs a Deferred (`DeferredList`, `gatherResults`, `assertFailure`, ...).

## Why is this bad?

Calling an `async def` returns a coroutine that does nothing until it is awaited. Dropped,
it never runs (Python warns "coroutine was never awaited" when it is collected); a coroutine
has no `.addCallback`, so the call raises `AttributeError`; Deferred-only APIs fail or treat
it as a plain value.

## Example

```python
from twisted.internet import defer


async def save(x):
    return x


def handler(x):
    save(x)
```

## Use instead

```python
from twisted.internet import defer


async def save(x):
    return x


async def handler(x):
    await save(x)
```

## Fix safety

Safe: the call is wrapped in `defer.ensureDeferred(...)`, which starts the coroutine at once
and gives the caller the Deferred it expected.

## Twisted versions

Every version.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis import twisted_api as api
from ..analysis.findings import Wrap
from ..analysis.hazards import Hazard, HazardContext
from .base import TWISTED_IMPORT, Invalid, Rule, Valid, decorator_caveat


def check(context: HazardContext) -> Iterator[Hazard]:
    for call in context.async_calls():
        site, name = call.site, call.target.name
        if site.uncalled:
            continue
        if site.usage == "statement":
            why = f"`{name}(...)` is called without `await`: the coroutine never runs"
        elif site.usage == "deferred-method" and site.detail in api.DEFERRED_ONLY_ATTRIBUTES:
            why = f"`.{site.detail}` is used on a coroutine, which has no such attribute"
        elif site.usage == "argument" and site.detail.rsplit(".", 1)[-1] in (
                api.DEFERRED_ARGUMENT_APIS):
            why = f"`{site.detail}` needs a Deferred, and `{name}(...)` returns a coroutine"
        else:
            continue
        yield Hazard(
            RULE.finding(call.facts.path, site.span, why + decorator_caveat(call.decorator),
                         site.enclosing, fix_safety="safe"),
            Wrap(site.span, "call", call.key, "coroutine where a Deferred is needed"))


RULE = Rule(
    code="TXA011",
    name="coroutine-needs-deferred",
    severity="error",
    fix_safety="safe",
    summary="A coroutine where a Deferred is required: Deferred methods called on it, handed "
    "to `DeferredList`/`gatherResults`/`assertFailure`, or called and dropped (it "
    "never runs).",
    doc=__doc__ or "",
    fix_title="Wrap in `defer.ensureDeferred(...)`",
    check=check,
    invalid=(
        Invalid(
            TWISTED_IMPORT + "async def save(x):\n    return x\n\n\n"
            "def handler(x):\n    save(x)\n    return save(x).addCallback(print)\n",
            fixed=TWISTED_IMPORT + "async def save(x):\n    return x\n\n\n"
            "def handler(x):\n    defer.ensureDeferred(save(x))\n"
            "    return defer.ensureDeferred(save(x)).addCallback(print)\n",
        ),
        Invalid(
            TWISTED_IMPORT + "async def save(x):\n    return x\n\n\n"
            "def save_both():\n    return defer.gatherResults([save(1), save(2)])\n",
            fixed=TWISTED_IMPORT + "async def save(x):\n    return x\n\n\n"
            "def save_both():\n    return defer.gatherResults([defer.ensureDeferred(save(1)), "
            "defer.ensureDeferred(save(2))])\n",
        ),
    ),
    valid=(
        Valid(TWISTED_IMPORT + "async def save(x):\n    return x\n\n\n"
              "def handler(x):\n    return defer.ensureDeferred(save(x))\n"),
    ),
)
