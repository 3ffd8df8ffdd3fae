"""## What it does

Finds an `async def` handed, uncalled, to an API that calls it and drops what it returns:
`reactor.callLater`, `Deferred.addCallback` and friends, `task.deferLater`,
`reactor.callWhenRunning`; before Twisted 22.8 also `LoopingCall` and `maybeDeferred`.

## Why is this bad?

The API calls the function and gets a coroutine, which it ignores: the function's body
never runs, silently (at most a "coroutine was never awaited" warning when it is collected).

## Example

```python
from twisted.internet import reactor


async def tick():
    pass


reactor.callLater(1, tick)
```

## Use instead

```python
from twisted.internet import defer, reactor


async def tick():
    pass


reactor.callLater(1, lambda: defer.ensureDeferred(tick()))
```

## Fix safety

Safe: the function is handed over as `lambda *a, **kw: defer.ensureDeferred(f(*a, **kw))`,
which runs it with whatever arguments the API passes. A reference whose name may be rebound
before the call (a loop variable) is evaluated at once, as the original was.

## Twisted versions

`maybeDeferred` (so `LoopingCall`) runs coroutines from 22.8; the others never do.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis import twisted_api as api
from ..analysis.findings import Wrap
from ..analysis.hazards import Hazard, HazardContext
from .base import Invalid, Rule, Valid, decorator_caveat

_IMPORTS = "from twisted.internet import defer, reactor\n\n\n"


def check(context: HazardContext) -> Iterator[Hazard]:
    for call in context.async_calls():
        site = call.site
        if not site.uncalled:
            continue
        api_name = api.callback_api(site.handed_to or "")
        if api_name is None or not api.callback_needs_wrap(api_name, context.version):
            continue
        yield Hazard(
            RULE.finding(call.facts.path, site.span,
                         f"`{site.handed_to}` calls `{call.target.name}` and drops the "
                         "coroutine it returns: its body never runs"
                         f"{decorator_caveat(call.decorator)}", site.enclosing,
                         fix_safety="safe"),
            Wrap(site.span, "callback", call.key, "async function handed over uncalled",
                 bind_early=context.bind_early(site, call.facts)))


RULE = Rule(
    code="TXA012",
    name="async-callback-dropped",
    severity="error",
    fix_safety="safe",
    summary="An async function handed to an API that calls it and drops the coroutine "
    "(`callLater`, `addCallback`, `deferLater`, `callWhenRunning`; `LoopingCall` and "
    "`maybeDeferred` before 22.8): its body never runs.",
    doc=__doc__ or "",
    fix_title="Wrap the callback in `defer.ensureDeferred(...)`",
    check=check,
    invalid=(
        Invalid(
            _IMPORTS + "async def tick():\n    pass\n\n\nreactor.callLater(1, tick)\n",
            fixed=_IMPORTS + "async def tick():\n    pass\n\n\n"
            "reactor.callLater(1, lambda *a, **kw: defer.ensureDeferred(tick(*a, **kw)))\n",
        ),
        Invalid(
            _IMPORTS + "async def store(value):\n    pass\n\n\n"
            "def fetch(d):\n    d.addCallback(store)\n    return d\n",
            fixed=_IMPORTS + "async def store(value):\n    pass\n\n\n"
            "def fetch(d):\n"
            "    d.addCallback(lambda *a, **kw: defer.ensureDeferred(store(*a, **kw)))\n"
            "    return d\n",
        ),
    ),
    valid=(
        Valid(_IMPORTS + "async def tick():\n    pass\n\n\n"
              "reactor.callLater(1, lambda: defer.ensureDeferred(tick()))\n"),
        Valid(_IMPORTS + "def tick():\n    pass\n\n\nreactor.callLater(1, tick)\n"),
    ),
)
