"""Why a function is not converted to a plain `async def`: typed reasons.

A reason is its sentence (what the CLI, the editor and JSON show) *and* its kind (what
reports group and filters select by). Grouping, filtering and rewording use the kind, never
the text, so rewording a message changes nothing else. `Reason` is a `str` so that every
place that shows a reason keeps working; `Reason.kind` is what code looks at.
"""

from __future__ import annotations

from typing import Literal

ReasonKind = Literal[
    "yield-from",
    "no-yield",
    "nested-return-value",
    "return-value-helper",
    "return-value-caught",
    "return-value-form",
    "return-value-warning",
    "yields-generator",
    "property",
    "mock-patch-decorator",
    "unknown-decorator",
    "redefined",
    "import-alternative",
    "unknown-yield-refused",
    "test-runner",
    "twisted-calls-sync",
    "overrides-library",
    "base-not-found",
    "plain-override",
    "unknown-receiver",
    "mixed-dispatch",
    "replaced-at-run-time",
    "computed-name",
    "no-caller-seen",
    "used-as-value",
    "public-api",
    "verdict",
    "passthrough-form",
    "passthrough-kept",
    "chain-form",
    "not-fresh",
    "raises-sync",
    "failure-subclass",
    "yield-shared-deferred",
    # Why one yield becomes `await defer.maybeDeferred(...)` (Planner.unknown_yield_reason):
    # the first thing in the yielded value not known to be awaitable for every value.
    "yield-expression",
    "yield-parameter",
    "yield-local",
    "yield-name",
    "yield-attribute",
    "yield-receiver-parameter",
    "yield-receiver-local",
    "yield-receiver-chain",
    "yield-receiver-attribute",
    "yield-receiver-unknown",
    "yield-library",
    "yield-replaced",
    "yield-decorator",
    "yield-declaration",
    "yield-override",
    "yield-plain-callee",
    "yield-mixed-dispatch",
]

# The label reports show for each kind (a short phrase shared by many functions).
LABELS: dict[str, str] = {
    "yield-from": "uses `yield from`",
    "no-yield": "not a generator (no `yield`)",
    "nested-return-value": "`returnValue` in a nested function",
    "return-value-helper": "`returnValue` via a helper",
    "return-value-caught": "`returnValue` caught by `except:`/`BaseException`",
    "return-value-form": "unusual `returnValue` call",
    "return-value-warning": "a test reads `returnValue`'s warning",
    "yields-generator": "yields a generator",
    "property": "property",
    "mock-patch-decorator": "`mock.patch` decorator",
    "unknown-decorator": "unknown decorator",
    "redefined": "name bound more than once",
    "import-alternative": "imported as one of two alternatives under one name",
    "unknown-yield-refused": "yield of an unknown value (unknown-yield = refuse)",
    "test-runner": "test method that cannot be async",
    "twisted-calls-sync": "Twisted calls it synchronously",
    "overrides-library": "overrides a library method",
    "base-not-found": "base class not found",
    "plain-override": "plain method of the same name in the hierarchy",
    "unknown-receiver": "caller with an unknown receiver",
    "mixed-dispatch": "a call may reach a plain method too",
    "replaced-at-run-time": "replaced at run time (test double, patch)",
    "computed-name": "looked up by a computed name",
    "no-caller-seen": "a method nothing in the workspace calls",
    "used-as-value": "used as a value (identity or lifetime matters)",
    "public-api": "public API of the library (public-api = keep)",
    "verdict": "converting it changed a test's outcome (fix --verify)",
    "passthrough-form": "not a plain pass-through",
    "passthrough-kept": "a pass-through that keeps its Deferred API (left as written)",
    "chain-form": "not a straight-line callback chain",
    "not-fresh": "the Deferred it hands out may not be a new one",
    "raises-sync": "may raise synchronously where a caller would get a failed Deferred",
    "failure-subclass": "Failures other than Twisted's plain one pass through (a subclass)",
    "yield-shared-deferred": "yields a Deferred other code may hold (fired: `await` differs)",
    "yield-expression": "yields an expression (subscript, condition, ...)",
    "yield-parameter": "yields a parameter",
    "yield-local": "yields a local not bound only to Deferreds",
    "yield-name": "yields a global or closure name",
    "yield-attribute": "yields an attribute not holding only Deferreds",
    "yield-receiver-parameter": "calls a method of an untyped parameter",
    "yield-receiver-local": "calls a method of an untyped local",
    "yield-receiver-chain": "calls a method through an attribute chain (`self.a.b.m()`)",
    "yield-receiver-attribute": "calls a method of an attribute of unknown type",
    "yield-receiver-unknown": "calls a method of an unknown receiver",
    "yield-library": "calls a library function not known to return a Deferred",
    "yield-replaced": "calls a function a test double replaces",
    "yield-decorator": "calls a function behind a decorator that may change its result",
    "yield-declaration": "calls a declaration (stub, Interface, abstract method)",
    "yield-override": "calls a method whose overrides may return other things",
    "yield-plain-callee": "calls a plain function not returning only Deferreds",
    "yield-mixed-dispatch": "calls a method some of whose implementations return plain values",
}


class Reason(str):
    """A reason's sentence, carrying its kind and, where one thing causes it, that thing
    (`where`: the call site `path:line` or the name a team can fix, so a report can say
    "one annotation here converts 60 functions")."""

    kind: ReasonKind
    where: str

    def __new__(cls, kind: ReasonKind, text: str, where: str = "") -> Reason:
        obj = super().__new__(cls, text)
        obj.kind = kind
        obj.where = where
        return obj

    def __reduce__(self) -> tuple[object, ...]:  # pickled across `--jobs` workers
        return (Reason, (self.kind, str(self), self.where))

    @property
    def label(self) -> str:
        return LABELS[self.kind]

