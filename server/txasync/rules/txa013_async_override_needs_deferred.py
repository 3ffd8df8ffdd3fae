"""## What it does

Finds an `async def` method that Twisted calls synchronously or needs a Deferred from:
`render*`, `Protocol` and `Factory` callbacks, `startService`, a top-level `stopService`,
`requestAvatar`, PB `remote_*`; test methods of a runner that does not run coroutines
(`SynchronousTestCase`, stdlib `unittest`, trial before 22.8).

## Why is this bad?

Twisted ignores or needs at once what these methods return, so an `async def` there never
runs or breaks its caller: a `render_GET` coroutine gives a 500, an async `requestAvatarId`
before 22.8 lets every login through, a `SynchronousTestCase` test passes without running.

## Example

```python
from twisted.internet import protocol


class Echo(protocol.Protocol):
    async def dataReceived(self, data):
        self.transport.write(data)
```

## Use instead

```python
from twisted.internet import protocol


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)
```

## Fix safety

*Unsafe*: the method becomes a plain one returning `defer.ensureDeferred(self._name(...))`,
its body in an async helper, so its return type changes back to a Deferred. A test method
has no fix: it needs a runner that runs coroutines.

## Twisted versions

trial's `TestCase` runs `async def` tests from 22.8; `maybeDeferred`-based callers
(`MultiService` child `stopService`, `Portal.login` checkers) run coroutines from 22.8.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis import twisted_api as api
from ..analysis.hazards import Hazard, HazardContext
from ..analysis.index import function_key, is_test_module
from ..analysis.reasons import Reason
from .base import TWISTED_IMPORT, Invalid, Rule, Valid

# An unfound base or a plain sibling says nothing certain about an `async def`.
_UNCERTAIN = ("base-not-found", "plain-override")


def check(context: HazardContext) -> Iterator[Hazard]:
    planner, ws = context.planner, context.ws
    for facts in ws.modules.values():
        for fn in facts.functions:
            if not fn.is_async or not fn.class_qualname:
                continue
            if not planner.result_transparent(facts, fn):
                continue  # a decorator may already hand Twisted a Deferred
            test_reasons = planner.test_reasons(facts, fn)
            reasons = test_reasons or planner.caller_side_reasons(facts, fn)
            reasons = [r for r in reasons if r.kind not in _UNCERTAIN]
            if reasons:
                split = None if test_reasons else fn.qualname
                yield Hazard(
                    RULE.finding(facts.path, fn.name_span,
                                 f"`async def {fn.name}`: {_as_async(reasons[0])}",
                                 fn.qualname, fix_safety="unsafe" if split else "none"),
                    split=split)
            elif api.TEST_METHOD.match(fn.name) and is_test_module(facts):
                missing = ws.unresolved_bases(function_key(facts.module, fn.class_qualname))
                if missing:
                    # Whether the runner awaits it depends on a base txasync cannot read:
                    # say that it does not know, rather than nothing (or a guess).
                    yield Hazard(RULE.finding(
                        facts.path, fn.name_span,
                        f"`async def {fn.name}`: whether its test runner awaits it is unknown: "
                        f"its class derives from `{missing[0]}`, which txasync cannot find "
                        "(give it the project's interpreter with `--python`)", fn.qualname,
                        fix_safety="none"))


def _as_async(reason: Reason) -> str:
    """Test-runner reasons are written for inlineCallbacks functions ("it is a test method
    ..."); said of an `async def` they name the method ("this is a ...")."""
    text = str(reason)
    if reason.kind == "test-runner" and text.startswith("it is a "):
        return "this is a " + text[len("it is a "):]
    return text


RULE = Rule(
    code="TXA013",
    name="async-override-needs-deferred",
    severity="error",
    fix_safety="unsafe",
    summary="An `async def` method that Twisted calls synchronously or needs a Deferred from "
    "(`render*`, `Protocol` callbacks, `startService`, `stopService`, `requestAvatar`, "
    "`remote_*`; trial tests before 22.8; `SynchronousTestCase` tests). The fix keeps "
    "the method synchronous and delegates to an async helper.",
    doc=__doc__ or "",
    fix_title="Keep it synchronous, delegating to an async helper",
    check=check,
    unsafe_note=False,  # the title says what changes
    invalid=(
        Invalid(
            TWISTED_IMPORT + "from twisted.application import service\n\n\n"
            "class S(service.Service):\n    async def stopService(self):\n"
            "        await defer.succeed(None)\n",
            fixed=TWISTED_IMPORT + "from twisted.application import service\n\n\n"
            "class S(service.Service):\n    def stopService(self):\n"
            "        return defer.ensureDeferred(self.__stopService())\n\n"
            "    async def __stopService(self):\n        await defer.succeed(None)\n",
        ),
        Invalid(
            "from twisted.trial import unittest\n\n\n"
            "class T(unittest.SynchronousTestCase):\n    async def test_it(self):\n"
            "        self.assertTrue(False)\n",
            fixed=None,
        ),
    ),
    valid=(
        Valid(TWISTED_IMPORT + "from twisted.application import service\n\n\n"
              "class S(service.Service):\n    def stopService(self):\n"
              "        return defer.ensureDeferred(self._stop())\n\n"
              "    async def _stop(self):\n        await defer.succeed(None)\n"),
        Valid("from twisted.trial import unittest\n\n\n"
              "class T(unittest.TestCase):\n    async def test_it(self):\n"
              "        self.assertTrue(True)\n"),
    ),
)
