"""Decisions for undecorated Deferred code: pass-throughs and callback chains.

A function `analysis/shapes.py` found is decided here as far as its body goes (is what it
hands out a *new* Deferred? can the callbacks be called in place?); its callers go through
the planner's machinery exactly as an inlineCallbacks function's do (wrapped where a Deferred
is needed, keep-API where callers are unknown). Both rules are opt-in: `select` must name the
code (`select` lists the rule's code, as `--select` does). The Twisted behaviour relied on is in
docs/twisted-semantics.md ("Callback chains").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ..config import Config
from .index import library_failure_subclass, library_path, may_succeed_with_failure
from .model import CallSite, FunctionFact, ModuleFacts, Ref, Span
from .reasons import Reason, ReasonKind
from .shapes import PASS_ON, DeferredShape, Handler, PassReturn

if TYPE_CHECKING:
    from .plan import Planner


def shape_code(kind: str) -> str:
    """The code of the rule for a shape ("passthrough", "chain"): read from the rule's module
    (codes are written only in rules/; imported here, not at the top, since rules read
    analysis)."""
    from ..rules import txa005_deferred_pass_through, txa006_callback_chain

    rule = txa005_deferred_pass_through.RULE if kind == "passthrough" else (
        txa006_callback_chain.RULE)
    return rule.code

def failure_success_code() -> str:
    """The failure-in-succeed rule's code (imported here for the reason given above)."""
    from ..rules import txa014_failure_in_succeed

    return txa014_failure_in_succeed.RULE.code


_D = "twisted.internet.defer"
FAILURE = "twisted.python.failure.Failure"
PB = "twisted.spread.pb"
# Twisted calls that always return a Deferred nobody else holds (awaiting one consumes its
# result, so a shared Deferred must never be awaited in place of being handed out).
# (`maybeDeferred` and `ensureDeferred` hand back a Deferred they are given: shapes.PASS_ON.)
FRESH_APIS = frozenset({
    f"{_D}.succeed", f"{_D}.fail", f"{_D}.gatherResults",
    f"{_D}.DeferredList", f"{_D}.execute",
    f"{_D}.Deferred.fromCoroutine", "twisted.internet.task.deferLater",
    "twisted.internet.threads.deferToThread", "twisted.internet.threads.deferToThreadPool",
})
# Library functions that return a plain value (never a Deferred, a Failure or a coroutine).
PLAIN_LIBRARY = frozenset({"twisted.python.log.err", "twisted.python.log.msg"})

HandlerForm = Literal["plain", "await", "maybe", "inline", "inline-await", "trap", "call"]

_PROBLEMS: dict[str, str] = {
    "falls-through": "some path falls off the end and returns None, not a Deferred",
    "return-in-try": "a `return` sits inside `try`/`with`/a loop, which would catch or "
                     "clean up after the awaited result, not only the call",
    "fail-form": "a returned `succeed`/`fail` call takes other than one argument",
    "succeed-failure": "it returns `succeed(Failure(...))` (the failure-in-succeed rule): "
                       "fix that first",
    "chain-stored": "the Deferred is stored (in a variable, attribute or container)",
    "chain-passed": "the Deferred is passed to a call or captured by a nested function",
    "chain-returned-early": "the function returns before the end of the chain",
    "chain-cancelled": "the Deferred is cancelled",
    "chain-conditional": "a chain method is called conditionally (in an `if`, loop or `try`)",
    "chain-fired": "the function fires the Deferred itself (`d.callback`/`d.errback`)",
    "chain-foreign": "the Deferred comes from outside the function (a parameter or an "
                     "attribute), so others may hold it",
    "chain-arguments": "a chain method is called with `*`/`**` arguments or the "
                       "`callbackArgs`-style keywords",
    "chain-late-binding": "a callback or its arguments would be evaluated later than today "
                          "(an attribute read, a call, a lambda default)",
    "chain-comments": "comments inside the chain would be lost",
    "chain-other": "the chain is not the straight-line `d = f(...); d.addCallback(...); "
                   "return d` form",
}


@dataclass
class ShapePlan:
    """What the rewrite of one pass-through or chain needs beyond its facts."""

    kind: str
    # (handler span, "callback"|"errback") -> how it is called (chains).
    forms: dict[tuple[Span, str], HandlerForm] = field(default_factory=dict)
    result: str = "result"  # the chain's value variable
    # A pass-through's `return succeed(x)` that may succeed with a Failure: the failure-in-
    # succeed rule respells it `maybeDeferred(lambda: x)` in the same run, and the return
    # becomes `return await` of that (not `return x`, which would hand the Failure out).
    awaited: set[Span] = field(default_factory=set)


def shape_enabled(config: Config, kind: str) -> bool:
    """The rules are opt-in: `select` names the code exactly (as for the unknown-yield rule)."""
    code = shape_code(kind)
    return code in config.select and config.code_enabled(code)


def _free_name(shape: DeferredShape, base: str) -> str:
    name = base
    while name in shape.names:
        name += "_"
    return name


class ShapeJudge:
    """Judges one function's body for the planner (which owns callers and exposure)."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner
        self.ws = planner.ws
        self._fresh_memo: dict[str, bool] = {}
        # (path, span) of the sites this run's rewrite of a shape turns into an immediate
        # `await` (a returned call, a chain's source, a callback awaited in place): a
        # converted callee there needs no wrap, when the enclosing function is rewritten.
        self.exempt: dict[tuple[str, Span], str] = {}
        self._foreign_failure: tuple[Reason, ...] | None = None

    def foreign_failure(self) -> Reason | None:
        """Where a Failure other than Twisted's plain one may come from (None: nowhere): a
        workspace subclass of `Failure` (foolscap's `CopiedFailure`), or Perspective
        Broker, whose `callRemote` fails with its own `CopiedFailure`. `await` raises a
        failure's exception and the coroutine's Deferred fails with a new plain `Failure`
        of it: not the object the Deferred carried (its class and attributes lost, and one
        whose value is no exception cannot be raised at all). Read once per run."""
        if self._foreign_failure is None:
            found: tuple[str, str] | None = None
            for key, (facts, cls) in self.ws.classes.items():
                if FAILURE in self.ws.ancestors(key):
                    found = (f"`{cls.qualname}` subclasses `Failure`",
                             f"{facts.path}:{cls.span.line}")
                    break
            else:
                found = self._library_failure()
            self._foreign_failure = () if found is None else (Reason(
                "failure-subclass",
                f"{found[0]}: the `await` would hand callers a new plain `Failure` of its "
                "exception, not the failure the Deferred carried", where=found[1]),)
        return self._foreign_failure[0] if self._foreign_failure else None

    def _library_failure(self) -> tuple[str, str] | None:
        """A library the workspace imports whose Deferreds may fail with its own Failure
        subclass: Twisted's Perspective Broker (`pb.CopiedFailure`, through `callRemote`),
        or any other package defining one (read from its source)."""
        packages: dict[str, str] = {}
        for facts in self.ws.modules.values():
            for q in facts.imports.values():
                if q == PB or q.startswith(PB + "."):
                    return ("the project uses Perspective Broker, whose `callRemote` fails "
                            "with a `CopiedFailure`", facts.path)
                top = q.split(".", 1)[0]
                if top and top != "twisted" and top not in self.ws.top_packages:
                    packages.setdefault(top, facts.path)
        for top, path in sorted(packages.items()):
            found = library_failure_subclass(top, library_path())
            if found is not None:
                return (f"the library `{top}` defines `{found}`, a `Failure` subclass its "
                        "Deferreds may fail with", path)
        return None

    def targets(self, facts: ModuleFacts, fn: FunctionFact, ref: Ref) -> list[str]:
        from .plan import _site_in

        return list(self.ws.resolve_in(facts, fn, _site_in(fn, ref)).targets)

    def fresh_call(self, facts: ModuleFacts, fn: FunctionFact, ref: Ref, depth: int = 0,
                   inner: Ref | None = None) -> bool:
        """Every function the call may run returns a new Deferred (an inlineCallbacks
        function, a Twisted API that makes one, a pass-through or chain of such).
        `maybeDeferred(f)` and `ensureDeferred(g())` (`inner`: `f`, `g`) hand back the
        Deferred `f` or `g` gives them: new only when every function that may be is an
        `async def` (a coroutine, wrapped in a new Deferred) or itself fresh."""
        if ref.qualified in FRESH_APIS:
            return True
        if depth > 4:
            return False
        if ref.qualified in PASS_ON:
            if inner is None:
                return False
            targets = self.targets(facts, fn, inner)
            return bool(targets) and all(
                self._plain_coroutine_function(t) or self.fresh_function(t, depth + 1)
                for t in targets)
        targets = self.targets(facts, fn, ref)
        if not targets:
            return False
        return all(self.fresh_function(t, depth + 1) for t in targets)

    def _plain_coroutine_function(self, key: str) -> bool:
        """An `async def` whose calls give its coroutine (no decorator that may change the
        result, bound once, never replaced): every call makes a new one."""
        tfacts, target = self.ws.functions[key]
        return (target.is_async and not self.ws.uncertain_binding(key)
                and self.ws.replacement(key) is None
                and self.planner.result_transparent(tfacts, target))

    def fresh_function(self, key: str, depth: int = 0) -> bool:
        if key in self._fresh_memo:
            return self._fresh_memo[key]
        self._fresh_memo[key] = False  # cycles are not fresh
        tfacts, target = self.ws.functions[key]
        ok = (not self.ws.uncertain_binding(key) and self.ws.replacement(key) is None
              and self.planner.result_transparent(tfacts, target))
        if ok and not target.is_ic:
            shape = target.shape
            ok = (shape is not None and not shape.problem and not target.is_async and (
                all(r.form != "call" or self.fresh_call(tfacts, target, r.callee, depth,
                                                        r.inner)
                    for r in shape.returns) if shape.kind == "passthrough"
                else shape.source is not None
                and self.fresh_call(tfacts, target, shape.source, depth, shape.source_inner)))
        self._fresh_memo[key] = ok
        return ok

    def raises_sync(self, facts: ModuleFacts, fn: FunctionFact, ref: Ref) -> bool:
        """Whether calling `ref` may raise at the call (inlineCallbacks functions and the
        Deferred-making APIs never do: they fail the Deferred)."""
        if ref.qualified in FRESH_APIS or ref.qualified in PASS_ON:
            return False
        for key in self.targets(facts, fn, ref):
            target = self.ws.functions[key][1]
            if target.is_ic:
                continue
            if target.shape is None or not target.shape.sync_safe:
                return True
            calls = ([r.callee for r in target.shape.returns if r.form == "call"]
                     if target.shape.kind == "passthrough" else [target.shape.source])
            tfacts = self.ws.functions[key][0]
            if any(c is None or self.raises_sync(tfacts, target, c) for c in calls):
                return True
        return False

    # -- a function's own body ---------------------------------------------------------
    def body_reasons(self, facts: ModuleFacts, fn: FunctionFact, plan: ShapePlan
                     ) -> list[Reason]:
        shape = fn.shape
        assert shape is not None
        where = f"{facts.path}:{shape.problem_line or fn.name_span.line}"
        if shape.problem:
            kind: ReasonKind = ("passthrough-form" if shape.kind == "passthrough"
                                else "chain-form")
            return [Reason(kind, _PROBLEMS[shape.problem]
                           + f" (line {shape.problem_line})", where=where)]
        foreign = self.foreign_failure()
        if foreign is not None:
            return [foreign]
        if shape.kind == "passthrough":
            for r in shape.returns:
                if r.form == "call" and not self.fresh_call(facts, fn, r.callee, 0, r.inner):
                    return [Reason("not-fresh",
                                   f"`{r.callee.text}(...)` at line {r.span.line} is not known "
                                   "to return a new Deferred (awaiting a Deferred others hold "
                                   "takes its result from them)",
                                   where=f"{facts.path}:{r.span.line}")]
            for r in shape.returns:
                if r.form == "succeed":
                    problem = self._failure_success(facts, r, plan)
                    if problem is not None:
                        return [problem]
            for r in shape.returns:
                if r.form == "call":
                    self.exempt[(facts.path, r.call)] = "returned"
            return []
        assert shape.source is not None and shape.source_span is not None
        if not self.fresh_call(facts, fn, shape.source, 0, shape.source_inner):
            return [Reason("not-fresh",
                           f"`{shape.source.text}(...)` at line {shape.source_span.line} is "
                           "not known to return a new Deferred (a test double's "
                           "`.addCallback` does nothing; a shared Deferred would lose its "
                           "result to the `await`)",
                           where=f"{facts.path}:{shape.source_span.line}")]
        self.exempt[(facts.path, shape.source_span)] = "source"
        plan.result = _free_name(shape, "result")
        for step in shape.steps:
            for role, handler in (("callback", step.callback), ("errback", step.errback)):
                if handler is None:
                    continue
                form, problem = self.handler_form(facts, fn, handler, role, step.method)
                if problem is not None:
                    return [problem]
                plan.forms[(handler.span, role)] = form
        return []

    def _failure_success(self, facts: ModuleFacts, r: PassReturn, plan: ShapePlan
                         ) -> Reason | None:
        """`return succeed(x)` where `x` may be a Failure (a test double's stored answer in a
        project whose tests store Failures): `return x` would make the Failure the
        coroutine's value, where today the Deferred fails with it. Converted only where the
        failure-in-succeed rule respells the call in the same run (then awaited)."""
        found = next((f for f in facts.failure_successes if f.call == r.call), None)
        if found is None or not may_succeed_with_failure(self.ws, facts, found):
            return None
        if found.arg is not None and found.rename is not None and (
                self.planner.config.code_enabled(failure_success_code(), facts.path)):
            plan.awaited.add(r.call)
            return None
        return Reason("passthrough-form",
                      f"`{r.callee.text}(...)` at line {r.span.line} may succeed with a Failure "
                      "(a test double's stored answer), which `return x` would hand out as a "
                      "value; the failure-in-succeed rule respells it when selected",
                      where=f"{facts.path}:{r.span.line}")

    def sync_safe(self, facts: ModuleFacts, fn: FunctionFact) -> bool:
        shape = fn.shape
        assert shape is not None
        if not shape.sync_safe:
            return False
        calls = ([r.callee for r in shape.returns if r.form == "call"]
                 if shape.kind == "passthrough" else [shape.source])
        return not any(c is None or self.raises_sync(facts, fn, c) for c in calls)

    def handler_form(self, facts: ModuleFacts, fn: FunctionFact, handler: Handler,
                     role: str, method: str) -> tuple[HandlerForm, Reason | None]:
        """How a callback is called once the chain is `await` code: in place (`plain`),
        awaited (`await`: it returns a new Deferred), or as Twisted would treat whatever it
        returns (`maybe`: `await defer.maybeDeferred(...)`)."""
        if handler.lambda_param:
            if handler.trap and role == "errback" and method == "addErrback":
                return "trap", None
            if role == "callback" and handler.inlinable:
                if handler.returns_param:
                    return "inline", None
                value = handler.body_value
                if value is not None and value.kind == "plain":
                    return "inline", None
                if value is not None and value.kind == "call" and value.ref is not None:
                    if self._ref_kind(facts, fn, value.ref) == "plain":
                        return "inline", None
                    if self._async_target(facts, fn, value.ref):
                        return "maybe", self._async_reason(facts, value.ref)
            return "maybe", None
        if handler.lambda_param == "" and handler.ref is None:
            return "maybe", None  # a lambda with several parameters: called as Twisted does
        ref = handler.ref
        assert ref is not None
        if self._async_target(facts, fn, ref):
            return "maybe", self._async_reason(facts, ref)
        kind = self._ref_kind(facts, fn, ref)
        if kind == "plain":
            return "plain", None
        if kind == "await":
            self.exempt[(facts.path, handler.span)] = "callback"
            return "await", None
        return "maybe", None

    def _async_target(self, facts: ModuleFacts, fn: FunctionFact, ref: Ref) -> bool:
        return any(self.ws.functions[t][1].is_async for t in self.targets(facts, fn, ref))

    def _async_reason(self, facts: ModuleFacts, ref: Ref) -> Reason:
        return Reason("chain-form", f"`{ref.text}` is an `async def` used as a callback: "
                      "today its coroutine is the chain's value and never runs")

    def _ref_kind(self, facts: ModuleFacts, fn: FunctionFact, ref: Ref) -> str:
        """'plain', 'await' (a new Deferred every time) or 'unknown' for calling `ref`."""
        if ref.qualified in PLAIN_LIBRARY:
            return "plain"
        if self.fresh_call(facts, fn, ref):
            return "await"
        kind = self.planner._call_kind(facts, fn, ref, 0)
        return "plain" if kind == "plain" else "unknown"


def handed_out(judge: ShapeJudge, site: CallSite, facts: ModuleFacts) -> bool:
    """A call (or callback) the rewrite of its enclosing shape awaits in place."""
    return (facts.path, site.span) in judge.exempt
