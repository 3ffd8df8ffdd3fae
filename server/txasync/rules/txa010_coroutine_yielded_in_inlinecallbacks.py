"""## What it does

Finds `yield coro()` in an inlineCallbacks function, where `coro` is an `async def`, when the
project supports a Twisted older than 24.7.

## Why is this bad?

Before Twisted 24.7, inlineCallbacks does not run a yielded coroutine: the `yield` hands the
coroutine object back unrun, so the async function's body never executes and the caller
goes on with a coroutine where it expected a result.

## Example

```python
from twisted.internet import defer


async def save(x):
    return x


@defer.inlineCallbacks
def handler(x):
    result = yield save(x)
    yield from ()
    return result
```

## Use instead

```python
from twisted.internet import defer


async def save(x):
    return x


@defer.inlineCallbacks
def handler(x):
    result = yield defer.ensureDeferred(save(x))
    yield from ()
    return result
```

## Fix safety

Safe: `yield defer.ensureDeferred(coro)` runs the coroutine, as the code meant. Where the
enclosing function is itself converted in the same run, the yield becomes an `await` instead.

## Twisted versions

From 24.7 inlineCallbacks awaits coroutines itself and this is not reported (set
`twisted-version`). The examples are checked with 22.4.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.findings import Wrap
from ..analysis.hazards import Hazard, HazardContext
from .base import TWISTED_IMPORT, Invalid, Rule, Valid, decorator_caveat


def check(context: HazardContext) -> Iterator[Hazard]:
    version = context.version
    if version >= (24, 7):
        return
    for call in context.async_calls():
        site = call.site
        if site.uncalled or not (site.usage == "yielded" and site.scope == "ic"
                                 and site.immediate):
            continue
        yield Hazard(
            RULE.finding(call.facts.path, site.span,
                         f"`yield {call.target.name}(...)` hands a coroutine to "
                         "inlineCallbacks, which runs it only from Twisted 24.7 (target "
                         f"{version[0]}.{version[1]}){decorator_caveat(call.decorator)}",
                         site.enclosing, fix_safety="safe"),
            Wrap(site.span, "call", call.key, "coroutine yielded in inlineCallbacks"))


RULE = Rule(
    code="TXA010",
    name="coroutine-yielded-in-inlinecallbacks",
    severity="error",
    fix_safety="safe",
    summary="`yield coro()` in an inlineCallbacks function: before Twisted 24.7 the coroutine "
    "never runs and the yield hands back the coroutine object.",
    doc=__doc__ or "",
    fix_title="Wrap in `defer.ensureDeferred(...)`",
    check=check,
    twisted_version="22.4",
    invalid=(
        Invalid(
            TWISTED_IMPORT + "async def fetch():\n    return 1\n\n\n"
            "@defer.inlineCallbacks\ndef f():\n    x = yield fetch()\n"
            "    yield from ()\n    return x\n",
            fixed=TWISTED_IMPORT + "async def fetch():\n    return 1\n\n\n"
            "@defer.inlineCallbacks\ndef f():\n"
            "    x = yield defer.ensureDeferred(fetch())\n    yield from ()\n"
            "    return x\n",
        ),
        Invalid(
            TWISTED_IMPORT + "class Store:\n    async def close(self):\n        pass\n\n"
            "    @defer.inlineCallbacks\n    def stop(self):\n        yield self.close()\n"
            "        yield from ()\n",
            fixed=TWISTED_IMPORT + "class Store:\n    async def close(self):\n        pass\n\n"
            "    @defer.inlineCallbacks\n    def stop(self):\n"
            "        yield defer.ensureDeferred(self.close())\n        yield from ()\n",
        ),
    ),
    valid=(
        Valid(TWISTED_IMPORT + "async def fetch():\n    return 1\n\n\n"
              "async def f():\n    x = await fetch()\n    return x\n"),
    ),
)
