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
                    "def start(store):\n    defer.ensureDeferred(total(store)).addCallback(print)\n",
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
            "`await` is enough.",
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
    facts, fn = decision.facts, decision.fn
    found: list[Finding] = []
    if decision.convertible:
        files = {os.path.basename(f.path) for f, _ in decision.wraps}
        n = len(decision.wraps)
        callers = (f"; {n} caller{'s' if n != 1 else ''} will be wrapped in ensureDeferred"
                   + (f" ({', '.join(sorted(files))})" if files else "")) if n else ""
        found.append(_finding(
            "TXA001", facts, fn.name_span,
            f"`{fn.name}` can be converted to `async def`{callers}",
            fn.qualname, data={"key": decision.key, "wraps": n},
        ))
        for y in decision.unknown_yields:
            found.append(_finding(
                "TXA004", facts, y.span,
                "txasync cannot tell whether this yields a Deferred; it converts to "
                "`await defer.maybeDeferred(...)`, which also handles plain values",
                fn.qualname,
            ))
    else:
        reasons = [r for r in decision.reasons if r != "not selected for this run"]
        if reasons:
            found.append(_finding(
                "TXA002", facts, fn.name_span,
                f"`{fn.name}` is not converted: {reasons[0]}",
                fn.qualname, reason=reasons[0], data={"key": decision.key, "reasons": reasons},
            ))
    for rv in fn.return_values:
        if rv.nargs != 1 or not rv.as_statement:
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
