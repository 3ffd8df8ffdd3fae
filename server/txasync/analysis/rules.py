"""Rule codes, their metadata and their examples, and the findings they produce.

Each rule keeps its examples next to it (flagged code, clean code, and the expected fix for
the flagged code); `tests/test_rule_examples.py` runs every one of them, so the docs and the
behaviour cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .findings import Finding, FixSafety, Severity
from .model import ModuleFacts
from .plan import Decision

DOCS_URL = "https://github.com/txasync/txasync/blob/main/docs/rules.md"


@dataclass(frozen=True)
class Example:
    flagged: str
    clean: str
    fixed: str | None  # None: no automatic fix


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    fix_safety: FixSafety
    summary: str
    examples: tuple[Example, ...] = field(default_factory=tuple)
    twisted_version: str | None = None  # the version the examples are checked with

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.code.lower()}"


_IMPORTS = "from twisted.internet import defer\n\n\n"

RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "TXA001",
            "inlinecallbacks-convertible",
            "information",
            "unsafe",
            "An inlineCallbacks function that txasync can convert to `async def`, fixing every "
            "caller that still needs a Deferred.",
            (
                Example(
                    flagged=_IMPORTS
                    + "@defer.inlineCallbacks\ndef total(store):\n"
                    "    a = yield store.get('a')\n    defer.returnValue(a + 1)\n\n\n"
                    "def start(store):\n    total(store).addCallback(print)\n",
                    clean=_IMPORTS + "async def total(store):\n"
                    "    a = await store.get('a')\n    return a + 1\n",
                    fixed=_IMPORTS
                    + "async def total(store):\n"
                    "    a = await defer.maybeDeferred(store.get, 'a')\n    return a + 1\n\n\n"
                    "def start(store):\n"
                    "    defer.ensureDeferred(total(store)).addCallback(print)\n",
                ),
            ),
        ),
        Rule(
            "TXA002",
            "inlinecallbacks-blocked",
            "information",
            "none",
            "An inlineCallbacks function txasync will not convert; the message says why.",
            (
                Example(
                    flagged=_IMPORTS
                    + "@defer.inlineCallbacks\ndef outer(d):\n"
                    "    def finish(x):\n        defer.returnValue(x)\n"
                    "    value = yield d\n    finish(value)\n",
                    clean=_IMPORTS + "async def outer(d):\n    return await d\n",
                    fixed=None,
                ),
            ),
        ),
        Rule(
            "TXA003",
            "returnvalue",
            "hint",
            "safe",
            "`returnValue(x)` in the function's own frame: deprecated since Twisted 24.7; "
            "`return x` works on every Python 3 Twisted.",
            (
                Example(
                    flagged=_IMPORTS
                    + "@defer.inlineCallbacks\ndef f(d):\n    def cb(x):\n"
                    "        defer.returnValue(x)\n    x = yield d\n    defer.returnValue(x)\n",
                    clean=_IMPORTS + "@defer.inlineCallbacks\ndef f(d):\n"
                    "    x = yield d\n    return x\n",
                    fixed=_IMPORTS
                    + "@defer.inlineCallbacks\ndef f(d):\n    def cb(x):\n"
                    "        defer.returnValue(x)\n    x = yield d\n    return x\n",
                ),
            ),
        ),
        Rule(
            "TXA004",
            "unknown-yield",
            "hint",
            "none",
            "A converted `yield` whose value txasync cannot prove is a Deferred: it becomes "
            "`await defer.maybeDeferred(...)`, which behaves like the yield did for plain "
            "values too. Once the callee is known to return a Deferred or a coroutine, a plain "
            "`await` is enough. One finding per such yield would drown the rest on a large "
            "project: the CLI lists them only with `--select TXA004` (each TXA001 message "
            "counts them), and the editor shows them as hints.",
            (
                Example(
                    flagged=_IMPORTS
                    + "@defer.inlineCallbacks\ndef f(cache, key):\n"
                    "    value = yield cache.lookup(key)\n    return value\n",
                    clean=_IMPORTS + "@defer.inlineCallbacks\ndef f(d):\n"
                    "    value = yield defer.succeed(d)\n    return value\n",
                    fixed=_IMPORTS + "async def f(cache, key):\n"
                    "    value = await defer.maybeDeferred(cache.lookup, key)\n"
                    "    return value\n",
                ),
            ),
        ),
        Rule(
            "TXA005",
            "deferred-pass-through",
            "information",
            "unsafe",
            "A plain function whose every `return` hands out a new Deferred from a call (an "
            "inlineCallbacks function, a Twisted API, `succeed(x)`, `fail(e)`): it becomes "
            "`async def` with `return await ...`, callers wrapped as for TXA001. Opt-in: "
            "`select` must name TXA005.",
            (
                Example(
                    flagged=_IMPORTS
                    + "@defer.inlineCallbacks\ndef load(key):\n"
                    "    yield defer.succeed(None)\n    return key\n\n\n"
                    "def load_default(key):\n    return load(key or 'x')\n",
                    clean=_IMPORTS + "async def load(key):\n    return key\n",
                    fixed=_IMPORTS
                    + "async def load(key):\n"
                    "    await defer.succeed(None)\n    return key\n\n\n"
                    "async def load_default(key):\n    return await load(key or 'x')\n",
                ),
            ),
        ),
        Rule(
            "TXA006",
            "callback-chain",
            "information",
            "unsafe",
            "A straight-line callback chain (`d = f(); d.addCallback(g); d.addErrback(h); "
            "return d`) on a new Deferred: it becomes `async def` with `await` and "
            "`try`/`except`, keeping Twisted's order (an errback catches everything before "
            "it; `addCallbacks(g, e)` does not route `g`'s failure to `e`). Opt-in: `select` "
            "must name TXA006.",
            (
                Example(
                    flagged=_IMPORTS
                    + "@defer.inlineCallbacks\ndef load(key):\n"
                    "    yield defer.succeed(None)\n    return key\n\n\n"
                    "def size(key):\n    d = load(key)\n    d.addCallback(len)\n"
                    "    d.addErrback(lambda f: f.trap(KeyError))\n    return d\n",
                    clean=_IMPORTS + "async def load(key):\n    return key\n",
                    fixed=_IMPORTS
                    + "async def load(key):\n"
                    "    await defer.succeed(None)\n    return key\n\n\n"
                    "async def size(key):\n    try:\n        result = await load(key)\n"
                    "        result = len(result)\n    except KeyError:\n"
                    "        result = KeyError\n    return result\n",
                ),
            ),
        ),
        Rule(
            "TXA010",
            "coroutine-yielded-in-inlinecallbacks",
            "error",
            "safe",
            "`yield coro()` in an inlineCallbacks function: before Twisted 24.7 the coroutine "
            "never runs and the yield hands back the coroutine object.",
            (
                Example(
                    flagged=_IMPORTS + "async def fetch():\n    return 1\n\n\n"
                    "@defer.inlineCallbacks\ndef f():\n    x = yield fetch()\n"
                    "    yield from ()\n    return x\n",
                    clean=_IMPORTS + "async def fetch():\n    return 1\n\n\n"
                    "@defer.inlineCallbacks\ndef f():\n"
                    "    x = yield defer.ensureDeferred(fetch())\n    yield from ()\n"
                    "    return x\n",
                    fixed=_IMPORTS + "async def fetch():\n    return 1\n\n\n"
                    "@defer.inlineCallbacks\ndef f():\n"
                    "    x = yield defer.ensureDeferred(fetch())\n    yield from ()\n"
                    "    return x\n",
                ),
            ),
            twisted_version="22.4",
        ),
        Rule(
            "TXA011",
            "coroutine-needs-deferred",
            "error",
            "safe",
            "A coroutine where a Deferred is required: Deferred methods called on it, handed "
            "to `DeferredList`/`gatherResults`/`assertFailure`, or called and dropped (it "
            "never runs).",
            (
                Example(
                    flagged=_IMPORTS + "async def save(x):\n    return x\n\n\n"
                    "def handler(x):\n    save(x)\n    return save(x).addCallback(print)\n",
                    clean=_IMPORTS + "async def save(x):\n    return x\n\n\n"
                    "async def handler(x):\n    await save(x)\n",
                    fixed=_IMPORTS + "async def save(x):\n    return x\n\n\n"
                    "def handler(x):\n    defer.ensureDeferred(save(x))\n"
                    "    return defer.ensureDeferred(save(x)).addCallback(print)\n",
                ),
            ),
        ),
        Rule(
            "TXA012",
            "async-callback-dropped",
            "error",
            "safe",
            "An async function handed to an API that calls it and drops the coroutine "
            "(`callLater`, `addCallback`, `deferLater`, `callWhenRunning`; `LoopingCall` and "
            "`maybeDeferred` before 22.8): its body never runs.",
            (
                Example(
                    flagged="from twisted.internet import defer, reactor\n\n\n"
                    "async def tick():\n    pass\n\n\nreactor.callLater(1, tick)\n",
                    clean="from twisted.internet import defer, reactor\n\n\n"
                    "async def tick():\n    pass\n\n\n"
                    "reactor.callLater(1, lambda: defer.ensureDeferred(tick()))\n",
                    fixed="from twisted.internet import defer, reactor\n\n\n"
                    "async def tick():\n    pass\n\n\n"
                    "reactor.callLater(1, lambda *a, **kw: defer.ensureDeferred(tick(*a, **kw)))\n",
                ),
            ),
        ),
        Rule(
            "TXA013",
            "async-override-needs-deferred",
            "error",
            "unsafe",
            "An `async def` method that Twisted calls synchronously or needs a Deferred from "
            "(`render*`, `Protocol` callbacks, `startService`, `stopService`, `requestAvatar`, "
            "`remote_*`; trial tests before 22.8; `SynchronousTestCase` tests). The fix keeps "
            "the method synchronous and delegates to an async helper.",
            (
                Example(
                    flagged=_IMPORTS + "from twisted.application import service\n\n\n"
                    "class S(service.Service):\n    async def stopService(self):\n"
                    "        await defer.succeed(None)\n",
                    clean=_IMPORTS + "from twisted.application import service\n\n\n"
                    "class S(service.Service):\n    def stopService(self):\n"
                    "        return defer.ensureDeferred(self._stop())\n\n"
                    "    async def _stop(self):\n        await defer.succeed(None)\n",
                    fixed=_IMPORTS + "from twisted.application import service\n\n\n"
                    "class S(service.Service):\n    def stopService(self):\n"
                    "        return defer.ensureDeferred(self.__stopService())\n\n"
                    "    async def __stopService(self):\n        await defer.succeed(None)\n",
                ),
            ),
        ),
        Rule(
            "TXA014",
            "failure-in-succeed",
            "warning",
            "unsafe",
            "`defer.succeed(Failure(e))`: a Deferred that has succeeded with a failure. `yield` "
            "raised it; `await` on Twisted 24.11+ fails an assertion inside Twisted. Use "
            "`defer.fail(e)`. Also a test double's `succeed(x)` of a stored value "
            "(`succeed(self.answers.pop(0))`) when the tests store Failure values: respelled "
            "`maybeDeferred(lambda: x)`, which fails a Failure and succeeds anything else.",
            (
                Example(
                    flagged="from twisted.internet import defer\n"
                    "from twisted.python.failure import Failure\n\n\n"
                    "def fake_fetch(key):\n"
                    "    return defer.succeed(Failure(KeyError(key)))\n",
                    clean="from twisted.internet import defer\n\n\n"
                    "def fake_fetch(key):\n    return defer.fail(KeyError(key))\n",
                    fixed="from twisted.internet import defer\n"
                    "from twisted.python.failure import Failure\n\n\n"
                    "def fake_fetch(key):\n"
                    "    return defer.fail(Failure(KeyError(key)))\n",
                ),
            ),
        ),
    )
}


def _finding(code: str, facts: ModuleFacts, span, message: str, function: str = "",
             reason: str = "", fix_safety: FixSafety | None = None,
             data: dict | None = None) -> Finding:
    rule = RULES[code]
    return Finding(code, facts.path, span, message, rule.severity,
                   fix_safety or rule.fix_safety, function, reason, data or {})


def findings_for(decision: Decision) -> list[Finding]:
    """The findings of one inlineCallbacks function, from its decision."""
    if decision.shape is not None:
        return shape_findings(decision)
    facts, fn = decision.facts, decision.fn
    found: list[Finding] = []
    reasons = decision.all_reasons
    if not reasons:
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
        changes = "".join(f"; behaviour changes on purpose: {c}"
                          for c in decision.behaviour_changes)
        unknown = len(decision.unknown_yields)
        maybe = (f"; {unknown} yield{'s' if unknown != 1 else ''} of values txasync cannot "
                 f"tell are Deferreds become `await defer.maybeDeferred(...)` (TXA004)"
                 if unknown else "")
        found.append(_finding(
            "TXA001", facts, fn.name_span,
            f"`{fn.name}` can be converted to `async def`{callers}{maybe}{changes}",
            fn.qualname, data={"key": decision.key, "wraps": n, "keep_api": decision.keep_api,
                               "unknown_yields": unknown,
                               "behaviour_changes": list(decision.behaviour_changes)},
        ))
    else:
        if decision.keep_api_possible:
            message = (f"`{fn.name}` cannot become a plain `async def`: {reasons[0]}; the fix "
                       f"moves its body into an async helper and keeps `{fn.name}` returning "
                       "a Deferred")
        else:
            message = f"`{fn.name}` is not converted: {reasons[0]}"
        found.append(_finding(
            "TXA002", facts, fn.name_span, message, fn.qualname, reason=reasons[0],
            fix_safety="unsafe" if decision.keep_api_possible else "none",
            data={"key": decision.key, "reasons": reasons,
                  "keep_api": decision.keep_api_possible,
                  "behaviour_changes": list(decision.behaviour_changes)},
        ))
    if decision.changes:
        for y in decision.unknown_yields:
            found.append(_finding(
                "TXA004", facts, y.span,
                "txasync cannot tell whether this yields a Deferred; it converts to "
                "`await defer.maybeDeferred(...)`, which also handles plain values",
                fn.qualname,
            ))
    for rv in fn.return_values:
        if not rv.single or not rv.as_statement:
            safety: FixSafety = "none"
        elif rv.guarded_by:
            safety = "unsafe"
        else:
            safety = "safe"
        extra = {
            "with": "; a `with` block encloses it, and its context manager sees returnValue as "
                    "an exception today",
            "bare-except": "; a bare `except:` catches it today",
            "baseexception": "; an `except BaseException:` catches it today",
        }.get(rv.guarded_by, "")
        found.append(_finding(
            "TXA003", facts, rv.span,
            f"`returnValue(...)` is deprecated since Twisted 24.7: use `return`{extra}",
            fn.qualname, fix_safety=safety, data={"tags": ["deprecated"]},
        ))
    return found


def shape_findings(decision: Decision) -> list[Finding]:
    """The finding of a pass-through (TXA005) or a callback chain (TXA006): convertible,
    convertible keeping its Deferred API, or not converted and why."""
    assert decision.shape is not None
    facts, fn = decision.facts, decision.fn
    code = "TXA005" if decision.shape.kind == "passthrough" else "TXA006"
    what = "pass-through" if code == "TXA005" else "callback chain"
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
    return [_finding(code, facts, fn.name_span, message, fn.qualname,
                     reason=reasons[0] if reasons else "", fix_safety=safety,
                     data={"key": decision.key, "wraps": n, "reasons": reasons,
                           "keep_api": decision.keep_api_possible and bool(reasons),
                           "converts": not decision.reasons})]


_DETAILS = {
    "TXA001": "Calling an inlineCallbacks function starts it at once and returns a Deferred; "
    "calling an `async def` returns a coroutine that does nothing until awaited. So the "
    "conversion is only half the work: every caller that does anything but `await` the result "
    "(stores it, calls `.addCallback`, passes it on, returns it, or drops it) is wrapped in "
    "`defer.ensureDeferred(...)`, in whatever file it is. The fix is *unsafe* in the ruff sense: "
    "the function's return type changes, so `fix` applies it but editors' fix-all does not.",
    "TXA002": "The message names the first reason; `txasync check --format json` lists all of "
    "them. Reasons in the body (nested `returnValue`, `yield from`, an unknown decorator, "
    "`returnValue` inside `except:`) need a hand edit. Reasons on the callers' side (Twisted "
    "calls the method, it overrides a library method, a caller's receiver type is unknown) are "
    "fixed by converting *keeping the Deferred API*: the body moves into an `async def` helper "
    "and the original name stays a plain function returning `ensureDeferred(helper(...))`, so "
    "no caller sees a difference. `txasync fix` does this by default.",
    "TXA003": "`return x` in an inlineCallbacks generator works on every Python 3 Twisted and "
    "behaves the same, except where a bare `except:` or `except BaseException:` encloses the "
    "call (it catches `returnValue`'s exception today), or a `with` block does (its context "
    "manager sees an exception today): there the fix is marked unsafe.",
    "TXA004": "An `await` of a plain value raises `TypeError`, but inlineCallbacks hands plain "
    "yielded values straight back, and real code relies on that (caches that return a value or "
    "a Deferred). `defer.maybeDeferred(f, *args)` calls `f` and wraps a plain result, so the "
    "converted code behaves like the generator did. Set `unknown-yield = \"await\"` to trust "
    "every yield, or `\"refuse\"` to leave such functions alone.",
    "TXA010": "Fixed by `yield defer.ensureDeferred(coro)`. From Twisted 24.7 on (set "
    "`twisted-version`), inlineCallbacks awaits coroutines itself and this is not reported.",
    "TXA011": "Fixed by wrapping the call in `defer.ensureDeferred(...)`, which starts the "
    "coroutine at once, as the caller expected.",
    "TXA012": "Fixed by handing over `lambda *a, **kw: defer.ensureDeferred(f(*a, **kw))`.",
    "TXA014": "`defer.succeed(x)` promises a result; handed a `Failure`, it makes a Deferred "
    "that has succeeded with a failure. inlineCallbacks treated it as an error (the `yield` "
    "raised it), and so do Deferred callbacks, but `await` reads the result of an already "
    "fired Deferred directly on Twisted 24.11+ and fails an assertion inside Twisted instead. "
    "Test fakes are where this is written. The fix respells the call `fail(...)`; it is "
    "*unsafe* only because a `fail` Deferred that nobody waits on is logged as an unhandled "
    "error when it is garbage collected, which trial reports.",
    "TXA013": "Twisted ignores or needs synchronously what these methods return, so an `async "
    "def` there never runs or breaks its caller (a `render_GET` coroutine gives a 500, an async "
    "`requestAvatarId` before 22.8 lets every login through). The fix turns the method back "
    "into a plain one returning `defer.ensureDeferred(self._name(...))`.",
}


def render_rules_markdown() -> str:
    """docs/rules.md, generated from the rules themselves so docs and behaviour agree."""
    out = ["# txasync rules", "",
           "Every rule, with the example the test suite runs. Suppress a finding with "
           "`# noqa: TXA001` on its line, or with `ignore` / `per-file-ignores` in "
           "`[tool.txasync]`.", ""]
    for rule in RULES.values():
        out += [f"## {rule.code}", "",
                f"**{rule.name}** · default severity: {rule.severity} · fix: {rule.fix_safety}"
                + (f" · examples checked with Twisted {rule.twisted_version}"
                   if rule.twisted_version else ""), "", rule.summary, "",
                _DETAILS.get(rule.code, ""), ""]
        for example in rule.examples:
            out += ["Flagged:", "", "```python", example.flagged.rstrip(), "```", "",
                    "Not flagged:", "", "```python", example.clean.rstrip(), "```", ""]
            if example.fixed is not None:
                out += ["After the fix:", "", "```python", example.fixed.rstrip(), "```", ""]
            else:
                out += ["No automatic fix.", ""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render_rules_markdown(), end="")
