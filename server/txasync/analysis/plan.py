"""Decisions over the workspace: which functions convert, why the others do not, which callers
need `ensureDeferred`, and what each own `yield` becomes.

The principle (docs/twisted-semantics.md): a call of a converted function keeps giving every
consumer what it got before, a Deferred that has already started, except an immediate `await`
in an `async def` (and an immediate `yield` in a remaining inlineCallbacks caller on Twisted
24.7+, which awaits coroutines itself). Anything txasync cannot prove safe is refused with a
reason, never converted on a guess.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from ..config import Config
from ..errors import Superseded
from . import attributes, library
from . import twisted_api as api
from .deferred_plan import ShapeJudge, ShapePlan, handed_out, shape_enabled
from .evidence import Evidence, yield_verdict
from .findings import ConvertFunction, FilePlan, Wrap, YieldAction
from .index import Workspace, function_key, is_test_module
from .library import awaitable_annotation, awaitable_doc
from .model import CallSite, FunctionFact, ModuleFacts, Ref, Span, Value, YieldFact
from .public_api import matches_function, public_api_reason
from .reasons import Reason, ReasonKind

# Deferred methods that hand back the Deferred they are called on.
_RETURNS_ITSELF = frozenset({"addCallback", "addErrback", "addBoth", "addCallbacks",
                             "addTimeout", "chainDeferred"})
_ATTRIBUTE_CHAIN = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


@dataclass
class Decision:
    key: str
    facts: ModuleFacts
    fn: FunctionFact
    # Reasons in the function itself: nothing but a change to the body can fix them.
    reasons: list[Reason] = field(default_factory=list)
    # Reasons on the callers' side (Twisted or a library calls it, callers of unknown type):
    # converting the body while keeping a Deferred-returning wrapper sidesteps them.
    caller_reasons: list[Reason] = field(default_factory=list)
    keep_api: bool = False  # convert, keeping `name` as a wrapper that returns a Deferred
    selected: bool = True
    wraps: list[tuple[ModuleFacts, Wrap]] = field(default_factory=list)
    yields: dict[tuple[int, int], YieldAction] = field(default_factory=dict)
    unknown_yields: list[YieldFact] = field(default_factory=list)
    # What the conversion changes on purpose (a latent bug fixed), said in the finding and
    # the summary so nobody is surprised.
    behaviour_changes: list[str] = field(default_factory=list)
    # A pass-through or callback chain instead of an inlineCallbacks
    # function (analysis/deferred_plan.py): how its body is rewritten.
    shape: ShapePlan | None = None

    @property
    def convertible(self) -> bool:
        """Converted to a plain `async def`, callers wrapped where needed."""
        return not self.reasons and not self.caller_reasons and not self.keep_api

    @property
    def keep_api_possible(self) -> bool:
        return not self.reasons

    @property
    def changes(self) -> bool:
        """This run rewrites the function (plainly or keeping its Deferred API)."""
        return self.selected and not self.reasons and (self.keep_api or not self.caller_reasons)

    @property
    def all_reasons(self) -> list[Reason]:
        return self.reasons + self.caller_reasons


def _loc(facts: ModuleFacts, span: Span) -> str:
    return _path_loc(facts.path, span)


def _path_loc(path: str, span: Span) -> str:
    return f"{os.path.basename(path)}:{span.line}"


class Planner:
    """Computes decisions for every inlineCallbacks function of a workspace."""

    def __init__(self, ws: Workspace, config: Config, evidence: Evidence | None = None,
                 refused: Mapping[str, Reason] | None = None) -> None:
        # Asked between functions: True gives the run up (`Superseded`).
        self.should_stop: Callable[[], bool] | None = None
        self.ws = ws
        self.config = config
        # From `txasync probe`, minus files edited since (Evidence.without(stale_files(...))).
        self.evidence = evidence
        # Functions the project's tests showed must stay as they are (`fix --verify`'s
        # verdicts that still hold), by key, with the reason to report.
        self.refused: Mapping[str, Reason] = refused or {}
        self._returns_memo: dict[tuple[str, bool, bool], str] = {}
        self._doubled: frozenset[str] | None = None
        self.shapes = ShapeJudge(self)
        # Pass-throughs and chains that may raise at the call where a caller would now get
        # a failed Deferred: decided again without them (see `decide`).
        self._raising: dict[str, Reason] = {}

    def check_stop(self) -> None:
        """Give the run up (raise `Superseded`) when `should_stop` says its input is stale."""
        if self.should_stop is not None and self.should_stop():
            raise Superseded()

    def _warning_reader(self, facts: ModuleFacts, fn: FunctionFact) -> str | None:
        """A function that reads the warnings raised while this one runs: one it is nested
        in, or one that calls it (the test that flushes `returnValue`'s deprecation)."""
        parts = fn.qualname.split(".<locals>.")
        for depth in range(len(parts) - 1, 0, -1):
            outer = ".<locals>.".join(parts[:depth])
            found = self.ws.functions.get(function_key(facts.module, outer))
            if found is not None and found[1].inspects_warnings:
                return outer
        key = function_key(facts.module, fn.qualname)
        for sfacts, site in self.all_callers(key) + self.possible_callers(key):
            if not site.enclosing:
                continue
            found = self.ws.functions.get(function_key(sfacts.module, site.enclosing))
            if found is not None and found[1].inspects_warnings:
                return site.enclosing
        return None

    # -- intrinsic reasons (the function on its own) -------------------------------------
    def intrinsic_reasons(self, facts: ModuleFacts, fn: FunctionFact) -> list[Reason]:
        reasons: list[Reason] = []
        own = [y for y in fn.yields if not y.is_from]
        if any(y.is_from for y in fn.yields):
            line = next(y.span.line for y in fn.yields if y.is_from)
            reasons.append(Reason(
                "yield-from",
                f"it uses `yield from` (line {line}), a SyntaxError in `async def`; "
                "convert the delegated generator first"
            ))
        elif not own:
            reasons.append(Reason(
                "no-yield",
                "it has no `yield`, so inlineCallbacks raises TypeError when it is called; "
                "converting would change that"
            ))
        if fn.nested_return_value is not None:
            reasons.append(Reason(
                "nested-return-value",
                "it calls `returnValue` from a nested function "
                f"(line {fn.nested_return_value.line}),"
                " which makes this function return; a `return` there would only leave the helper"
            ))
        for name in fn.calls_return_value_helper:
            helper = self.ws.functions.get(function_key(facts.module, name))
            if helper is not None and helper[1].own_return_value_anywhere and not helper[1].is_ic:
                reasons.append(Reason(
                    "return-value-helper",
                    f"it calls `{name}()`, which calls `returnValue` to make this function return"
                ))
                break
        for rv in fn.return_values:
            if rv.guarded_by in ("bare-except", "baseexception"):
                handler = "`except:`" if rv.guarded_by == "bare-except" else (
                    "`except BaseException:`")
                reasons.append(Reason(
                    "return-value-caught",
                    f"`returnValue` at line {rv.span.line} is inside a `try` with {handler}, "
                    "which catches it today; a `return` would not be caught"
                ))
                break
        watcher = self._warning_reader(facts, fn) if fn.return_values else None
        if watcher is not None:
            reasons.append(Reason(
                "return-value-warning",
                f"`{watcher}` reads the warnings raised while it runs, and `returnValue` "
                f"(line {fn.return_values[0].span.line}) raises a DeprecationWarning a `return` "
                "would not: convert it by hand once no test reads returnValue's "
                "DeprecationWarning"))
        for rv in fn.return_values:
            if rv.unpacked:
                reasons.append(Reason(
                    "return-value-form",
                    f"`returnValue` at line {rv.span.line} passes `*`/`**` or keyword arguments; "
                    "write it as `returnValue(x)` first"
                ))
                break
            if rv.nargs != 1:
                reasons.append(Reason(
                    "return-value-form",
                    f"`returnValue` at line {rv.span.line} takes {rv.nargs} arguments and raises "
                    "TypeError today"
                ))
                break
            if not rv.as_statement:
                reasons.append(Reason(
                    "return-value-form",
                    f"`returnValue` at line {rv.span.line} is used inside an expression; "
                    "rewrite it as a statement first"
                ))
                break
        for y in own:
            if y.value.kind == "call" and y.value.ref is not None:
                target = self._resolve_value_call(facts, fn, y.value.ref)
                if target is not None:
                    _, called = self.ws.functions[target]
                    if called.yields and not (called.is_ic or called.is_async):
                        reasons.append(Reason(
                            "yields-generator",
                            f"it yields `{called.name}(...)` (line {y.span.line}), a plain "
                            "generator, which Twisted 24.7+ runs and older releases hand back"))
                        break
        if any(y.value.kind == "generator" for y in own):
            reasons.append(Reason(
                "yields-generator",
                "it yields a generator expression, which Twisted 24.7+ runs as a coroutine and "
                "older releases hand back unchanged"
            ))
        shared = self._shared_deferred_yield(facts, fn, own)
        if shared is not None:
            y, held = shared
            reasons.append(Reason(
                "yield-shared-deferred",
                f"it yields `{held}` (line {y.span.line}), a Deferred other code may hold: "
                "once it has fired, or while it runs its callbacks, `yield` waits its turn "
                "in its chain and leaves `None` behind, where `await` takes the result at "
                "once and leaves it there (inside its own callbacks, Twisted 24.11+ fails "
                "an assertion); to convert it, wait on a Deferred of its own that the shared "
                "one's callbacks fire", where=f"{facts.path}:{y.span.line}"))
        reasons.extend(self._decorator_reasons(fn, facts))
        return reasons

    def _shared_deferred_yield(self, facts: ModuleFacts, fn: FunctionFact,
                               own: list[YieldFact]) -> tuple[YieldFact, str] | None:
        """The first yield whose value may be a Deferred that other code holds too: an
        attribute (or a local bound to one), or the result of a workspace function that
        returns one (`return self._ready`). That is where a program keeps a Deferred that
        several waiters share and something fires later (a connection's "ready", a read
        loop): fedora-messaging's tests broke on exactly this. A parameter or a global may
        be shared too, but a Deferred handed in is in practice one its caller just made,
        and refusing every such yield would refuse most helpers.
        `yield d` adds a callback to `d` and takes its turn in `d`'s chain, consuming the
        result; `await d` reads a fired `d`'s result directly and leaves it. The two differ
        exactly when `d` has fired, or is running its callbacks (the awaiting code runs
        inside one of them), before the wait: for a Deferred only this function sees (a
        call's new Deferred) neither can happen, for a shared one it can, and the
        conservative forms (`maybeDeferred` hands the Deferred itself back) do not help."""
        for y in own:
            if y.value.kind not in ("attr", "name", "call"):
                continue
            held = self._shared_value(facts, fn, y.value, 0)
            if held is not None and self.classify_yield(facts, fn, y) != "drop":
                return y, held
        return None

    def _shared_value(self, facts: ModuleFacts, fn: FunctionFact, value: Value, depth: int
                      ) -> str | None:
        ref = value.ref
        if ref is None or depth > 3:
            return None
        if value.kind == "attr":
            return ref.text
        if value.kind == "name":
            return self._shared_local(facts, fn, ref.name, depth)
        if value.kind == "call" and ref.kind == "attr" and ref.name in _RETURNS_ITSELF:
            # `d.addCallback(f)` hands back `d` itself: shared when `d` is.
            owner = ref.text.rpartition(".")[0]
            if _ATTRIBUTE_CHAIN.fullmatch(owner):
                return owner
            return self._shared_local(facts, fn, owner, depth) if owner.isidentifier() else None
        if value.kind == "call" and depth == 0:
            target = self._resolve_value_call(facts, fn, ref)
            if target is None:
                return None
            tfacts, called = self.ws.functions[target]
            if called.is_ic or called.is_async or called.yields:
                return None  # a call of it makes a new Deferred (or coroutine) each time
            for v in called.returns:
                if v.kind in ("attr", "name"):
                    held = self._shared_value(tfacts, called, v, depth + 1)
                    if held is not None:
                        return f"{ref.text}(...)`, which returns `{held}"
        return None

    def _shared_local(self, facts: ModuleFacts, fn: FunctionFact, name: str, depth: int
                      ) -> str | None:
        """What shared Deferred the local `name` may be bound to (see `_shared_value`); a
        parameter, a global or a closure name is not followed (`_shared_deferred_yield`)."""
        assigned = fn.assignments.get(name)
        if (name in fn.all_params or not assigned or name in fn.declared_outer
                or self._rebound_in_closure(facts, fn, name)):
            return None
        for v in assigned:
            held = self._shared_value(facts, fn, v, depth + 1)
            if held is not None:
                return held
        return None

    def _workspace_function(self, facts: ModuleFacts, name: str) -> str | None:
        """The workspace function a decorator's name (qualified, or local to `facts`) is."""
        local = function_key(facts.module, name)
        return self.ws.function_for_qualified(name) or (
            local if local in self.ws.functions else None)

    def _transparent_decorator(self, facts: ModuleFacts, name: str, called: bool) -> bool:
        """A workspace decorator that hands back the function it was given (maybe after
        setting attributes on it), directly or through a factory: `@skipUnless(...)`."""
        key = self._workspace_function(facts, name)
        if key is None:
            return False
        _, fn = self.ws.functions[key]
        if not called:
            return _returns_first_param(fn)
        if not fn.returns or fn.yields:
            return False
        for value in fn.returns:
            if value.kind != "name" or value.ref is None:
                return False
            inner = self.ws.functions.get(f"{key}.<locals>.{value.ref.name}")
            if inner is None or not _returns_first_param(inner[1]):
                return False
        return True

    def _decorator_reasons(self, fn: FunctionFact, facts: ModuleFacts | None = None
                           ) -> list[Reason]:
        reasons: list[Reason] = []
        for index, deco in enumerate(fn.decorators):
            if index == fn.ic_index:
                continue
            if deco in api.PROPERTY_DECORATORS or deco.endswith(".setter"):
                reasons.append(Reason(
                    "property",
                    f"it is a property (`@{deco}`): callers read it as an attribute, and txasync "
                    "cannot follow those reads"
                ))
            elif api.is_mock_patch(deco):
                where = "below" if index > fn.ic_index and fn.ic_form == "decorator" else "above"
                lasts = ("while the generator is created, so the body runs unpatched today"
                         if where == "below" else "only until the first wait on a Deferred today")
                reasons.append(Reason(
                    "mock-patch-decorator",
                    f"`@{deco.split('(', 1)[0]}` {where} inlineCallbacks patches {lasts}; on an "
                    "`async def` the patch would cover the whole body, which changes what the "
                    "code sees: move the patch into the body (`with patch(...):`) first"
                ))
            elif not self._decorator_known(deco, facts):
                where = "above" if index < fn.ic_index or fn.ic_form == "call" else "below"
                reasons.append(Reason(
                    "unknown-decorator",
                    f"the decorator `@{deco}` ({where} inlineCallbacks) is not known to accept a "
                    "coroutine function; list it in [tool.txasync] coroutine-aware-decorators "
                    "if it does"
                ))
        return reasons

    def _decorator_known(self, deco: str, facts: ModuleFacts | None = None) -> bool:
        base = deco.split("(", 1)[0]
        if base in api.COROUTINE_AWARE_DECORATORS or base in self.config.coroutine_aware_decorators:
            return True
        if facts is not None and self._transparent_decorator(facts, base, "(" in deco):
            return True
        return base.startswith(api.COROUTINE_AWARE_PREFIXES) or any(
            base.startswith(name + ".") for name in self.config.coroutine_aware_decorators
        )

    def exposure_reasons(self, key: str, facts: ModuleFacts, fn: FunctionFact) -> list[Reason]:
        """Callers txasync cannot see or must not change: the function is replaced at run
        time (a test double), looked up by a computed name, or used as a value whose
        identity or lifetime matters. Keeping its Deferred API leaves all of them as they
        were."""
        reasons: list[Reason] = []
        replaced = self.ws.replacement(key)
        if replaced is not None and replaced.auto:
            reasons.append(Reason(
                "replaced-at-run-time",
                f"`{fn.name}` is replaced at run time at {_path_loc(replaced.path, replaced.span)} "
                "by a double `patch()` or `Mock(spec=...)` makes: once it is `async def`, that "
                "double is an AsyncMock, and what its callers get changes",
                where=f"{replaced.path}:{replaced.span.line}"))
        for prefix, (path, span) in sorted(self.ws.dynamic_prefixes.items()):
            if fn.name.startswith(prefix) and fn.class_qualname:
                reasons.append(Reason(
                    "computed-name",
                    f"it is looked up by a computed name (`getattr(..., \"{prefix}\" + ...)` "
                    f"at {_path_loc(path, span)}), whose callers txasync cannot see",
                    where=f"{path}:{span.line}"))
                break
        for sfacts, site in self.all_callers(key):
            if not site.uncalled:
                continue
            if site.handed_to is not None and api.callback_api(site.handed_to) is not None:
                continue  # a run-once callback slot: a wrap there keeps behaviour
            where = f" to `{site.handed_to}`" if site.handed_to else ""
            reasons.append(Reason(
                "used-as-value",
                f"`{site.callee.text}` at {_loc(sfacts, site.span)} is handed over as a "
                f"value{where}: a wrapper there would change its identity (`==`, removal from "
                "a registry) and lifetime (weak references)",
                where=f"{sfacts.path}:{site.span.line}"))
            break
        return reasons

    def _class_attr(self, class_key: str, name: str) -> str | None:
        """A class-body assignment seen in the class or its workspace bases, nearest first."""
        for key in [class_key, *self.ws.ancestors(class_key)]:
            if key in self.ws.classes:
                value = self.ws.classes[key][1].class_attrs.get(name)
                if value is not None:
                    return value
        return None

    def _test_runner_reasons(self, class_key: str, is_sync_trial: bool, is_testtools: bool,
                             is_stdlib_test: bool, name: str = "") -> list[Reason]:
        """Why the test runner would not run this test method as a coroutine (empty: it
        would)."""
        version = self.config.twisted_version
        if is_sync_trial:
            return [Reason("test-runner",
                           "it is a test method of a `SynchronousTestCase`, which does not run "
                           "coroutines (the test would pass without running)")]
        if is_testtools and name in ("setUp", "tearDown"):
            # testtools checks, as soon as `setUp()` returns, that it called up to
            # `TestCase.setUp`: the inlineCallbacks body had run up to its first wait, a
            # coroutine has not started.
            return [Reason("test-runner",
                           f"it is the `{name}` of a testtools `TestCase`, which checks as soon "
                           f"as `{name}()` returns that it called up the hierarchy; a coroutine "
                           "has not run yet then")]
        if is_testtools:
            runner = self._class_attr(class_key, "run_tests_with")
            if runner is None or "AsynchronousDeferredRunTest" not in runner:
                return [Reason("test-runner",
                               "it is a test method of a testtools `TestCase`, which runs "
                               "coroutine tests only with `run_tests_with = "
                               "AsynchronousDeferredRunTest...`, and txasync sees no such "
                               "runner in its class hierarchy")]
            if version < (22, 8):
                return [Reason("test-runner",
                               "its testtools runner calls tests through `maybeDeferred`, "
                               "which runs coroutines only from Twisted 22.8 (target "
                               f"{version[0]}.{version[1]})")]
            return []
        if is_stdlib_test:
            return [Reason("test-runner",
                           "it is a test method of a stdlib `unittest.TestCase`, which does not "
                           "run coroutines (the test would pass without running)")]
        if version < (22, 8):
            return [Reason("test-runner",
                           f"it is a trial test method and Twisted {version[0]}.{version[1]} "
                           "runs `async def` tests only from 22.8 (set twisted-version if your "
                           "minimum is newer)")]
        return []

    def test_reasons(self, facts: ModuleFacts, fn: FunctionFact) -> list[Reason]:
        """Why a test method cannot be an `async def` under its test runner (empty: it can)."""
        if not fn.class_qualname:
            return []
        return self._method_reasons(facts, fn, tests_only=True)

    def caller_side_reasons(self, facts: ModuleFacts, fn: FunctionFact) -> list[Reason]:
        if not fn.class_qualname:
            return []
        return self._method_reasons(facts, fn, tests_only=False)

    def _test_kind(self, class_key: str) -> tuple[bool, bool, bool, bool]:
        """Whether a class is a trial, a synchronous trial, a testtools or a stdlib test
        case (at most one is true)."""
        ancestors = {self.ws.canonical(a) for a in self.ws.ancestors(class_key)}
        ancestors = {api.TRIAL_ALIASES.get(a, a) for a in ancestors}
        is_trial = api.TRIAL_TESTCASE in ancestors
        is_sync_trial = api.TRIAL_SYNC_TESTCASE in ancestors and not is_trial
        is_testtools = not (is_trial or is_sync_trial) and any(
            a.replace(":", ".").startswith("testtools.") for a in ancestors)
        is_stdlib_test = bool(ancestors & api.STDLIB_TESTCASES) and not (
            is_trial or is_sync_trial or is_testtools)
        return is_trial, is_sync_trial, is_testtools, is_stdlib_test

    def _method_reasons(self, facts: ModuleFacts, fn: FunctionFact,
                        tests_only: bool) -> list[Reason]:
        version = self.config.twisted_version
        class_key = function_key(facts.module, fn.class_qualname)
        is_trial, is_sync_trial, is_testtools, is_stdlib_test = self._test_kind(class_key)
        is_test = api.TEST_METHOD.match(fn.name) and (
            is_trial or is_sync_trial or is_stdlib_test or is_testtools)
        if tests_only and not is_test and api.TEST_METHOD.match(fn.name):
            # A mixin's `setUp` or test runs under the runner of every test case that
            # mixes it in (`class T(_SharedMixin, AsyncTestCase)`).
            for sub in self.ws.subclasses(class_key):
                kind = self._test_kind(sub)
                if any(kind):
                    reasons = self._test_runner_reasons(sub, kind[1], kind[2], kind[3],
                                                        fn.name)
                    if reasons:
                        return reasons
            return []
        if tests_only and not is_test:
            return []
        if is_test:
            return self._test_runner_reasons(class_key, is_sync_trial, is_testtools,
                                             is_stdlib_test, fn.name) if tests_only else []
        why = api.sync_required(fn.name, version)
        if why is not None:
            return [Reason("twisted-calls-sync",
                           why + "; keep it synchronous and delegate to an async helper")]
        definer = self.ws.external_definer(class_key, fn.name)
        if definer is not None:
            return [Reason("overrides-library",
                           f"it overrides `{definer}.{fn.name}`, which the library calls and may "
                           "expect a Deferred or a plain value from", where=definer)]
        missing = self.ws.unresolved_bases(class_key)
        if missing:
            return [Reason("base-not-found",
                           f"its class derives from `{missing[0]}`, which txasync cannot find; "
                           "a method there may call this one expecting a Deferred",
                           where=missing[0])]
        # A plain method of the same name up or down the hierarchy matters only at the
        # call sites that may reach both: `_mixed_dispatch` judges those one by one.
        return []

    # -- yields --------------------------------------------------------------------------
    def classify_yield(self, facts: ModuleFacts, fn: FunctionFact, y: YieldFact) -> YieldAction:
        if y.value.kind in ("none", "plain"):
            return "drop"
        verdict = self._value_kind(facts, fn, y.value, depth=0)
        if verdict == "plain":
            return "drop"
        if verdict == "awaitable":
            return "await"
        if self.evidence is not None and yield_verdict(
                self.evidence.yield_kinds(facts.path, y.span.line, y.span.col),
                self.config.twisted_version) == "awaitable":
            return "await"  # the test run saw only values `await` handles as `yield` did
        return "await" if self.config.unknown_yield == "await" else "maybe"

    def unknown_yield_reason(self, facts: ModuleFacts, fn: FunctionFact, y: YieldFact
                             ) -> Reason:
        """Why `classify_yield` could not prove this yield's value awaitable: the first
        thing in it that is not known to be awaitable for every value, as a typed reason
        (kind `yield-*`, `where` the yield's `path:line`). Reports count these to show
        which missing proof costs the most `maybeDeferred`s."""
        kind, detail = self._unknown_cause(facts, fn, y.value, 0)
        return Reason(kind, f"line {y.span.line}: {detail}",
                      where=f"{facts.path}:{y.span.line}")

    def _unknown_cause(self, facts: ModuleFacts, fn: FunctionFact, value: Value, depth: int
                       ) -> tuple[ReasonKind, str]:
        ref = value.ref
        if value.kind == "name" and ref is not None:
            name = ref.name
            if name in fn.all_params:
                return "yield-parameter", f"`{name}` is a parameter"
            assigned = fn.assignments.get(name)
            if not assigned or name in fn.declared_outer or self._rebound_in_closure(
                    facts, fn, name):
                return "yield-name", f"`{name}` is bound outside the function"
            for v in assigned:
                if depth < 4 and self._value_kind(facts, fn, v, depth + 1) != "awaitable" and (
                        v.kind in ("call", "name", "attr")):
                    return self._unknown_cause(facts, fn, v, depth + 1)
            return "yield-local", f"`{name}` is bound to a value not known to be a Deferred"
        if value.kind == "attr" and ref is not None:
            return "yield-attribute", f"`{ref.text}` may hold something other than a Deferred"
        if value.kind != "call" or ref is None:
            return "yield-expression", "the value is an expression txasync does not follow"
        site = _site_in(fn, ref)
        resolution = self.ws.resolve_in(facts, fn, site)
        if not resolution.targets:
            if not resolution.possible and (ref.kind != "attr" or ref.qualified
                                             or self.ws.external_receiver(facts, site)
                                             is not None):
                if self._library_kind(facts, site, ref) == "unknown" and (
                        ref.name in self.ws.replaced_names() or (
                            ref.qualified is not None
                            and self._module_function_replaced(ref.qualified))):
                    return "yield-replaced", f"`{ref.text}` may be replaced at run time"
                return "yield-library", f"`{ref.text}` is not known to return a Deferred"
            owner = ref.text.rpartition(".")[0]
            root = owner.split(".")[0]
            if root in ("self", "cls"):
                if owner.count(".") >= 2:
                    return "yield-receiver-chain", f"the type of `{owner}` is not known"
                return "yield-receiver-attribute", f"the type of `{owner}` is not known"
            if root in fn.all_params:
                return "yield-receiver-parameter", f"the parameter `{root}` has no type"
            if root in fn.assignments:
                return "yield-receiver-local", f"the local `{root}` has no known type"
            return "yield-receiver-unknown", f"the type of `{owner or ref.text}` is not known"
        # The functions `_call_kind` judges, and whether it judges each by its body alone.
        exact = self._exact_method(facts, fn, ref)
        explicit = (self._class_method(facts, fn, ref) if ref.kind == "attr"
                    and ref.receiver not in ("self", "cls", "super") else None)
        on_self = ref.receiver in ("self", "cls", "super")
        if exact is not None or explicit is not None:
            targets = [exact or explicit or ""]
            by_body = {targets[0]: False}
        else:
            targets = [t for t in resolution.targets if not self._neutral(t)] or list(
                resolution.targets)
            by_body = {t: on_self and self._spec_only(t) for t in targets}
        kinds = {t: self.function_result_kind(t, depth + 1, own=t in (exact, explicit),
                                              body=by_body[t]) for t in targets}
        if len(targets) > 1 and "awaitable" in kinds.values():
            plain = next(t for t, k in kinds.items() if k != "awaitable")
            return "yield-mixed-dispatch", (
                f"`{ref.text}` may run `{self.ws.functions[plain][1].qualname}`, which may "
                "return something other than a Deferred")
        key = next((t for t, k in kinds.items() if k != "awaitable"), targets[0])
        tfacts, target = self.ws.functions[key]
        where = f"`{target.qualname}`"
        if self.ws.import_alternative(key) is not None:
            return "yield-replaced", (f"{where} is imported as one of two alternatives: the "
                                      "name may reach the other at run time")
        if key in self.ws.redefined or (not by_body[key] and self.ws.replacement(key) is not None
                                        and not self._replaced_by_awaitables(key, depth)):
            return "yield-replaced", f"{where} is replaced at run time"
        if not self.result_transparent(tfacts, target):
            return "yield-decorator", f"a decorator of {where} decides what a call returns"
        if target.is_stub or self._never_runs(tfacts, target):
            return "yield-declaration", f"{where} is a declaration"
        if key not in (exact, explicit) and not (target.is_ic or target.is_async) and any(
                self.ws.functions[r][1].is_ic or self.ws.functions[r][1].is_async
                for r in self.ws.related_methods(key)):
            return "yield-override", f"{where} is plain where an override is not"
        if self.ws.external_receiver(facts, site):
            return "yield-library", f"the library's `{ref.name}` is not known to return one"
        detail = f"{where} may return something other than a Deferred"
        if depth < 3 and not target.yields:
            for v in target.returns:
                if self._value_kind(tfacts, target, v, depth + 1) != "awaitable":
                    inner, why = self._unknown_cause(tfacts, target, v, depth + 1)
                    detail += f" (it returns {v.ref.text if v.ref else v.kind}: {inner}: {why})"
                    break
        return "yield-plain-callee", detail

    def _value_kind(self, facts: ModuleFacts, fn: FunctionFact | None, value: Value,
                    depth: int) -> str:
        """'awaitable', 'plain' or 'unknown' for a value, from what the index can see."""
        if value.kind in ("none", "plain"):
            return "plain"
        if depth > 6:
            return "unknown"
        if value.kind == "call" and value.ref is not None:
            return self._call_kind(facts, fn, value.ref, depth)
        if value.kind == "name" and value.ref is not None and fn is not None:
            name = value.ref.name
            assigned = fn.assignments.get(name)
            if not assigned or name in fn.all_params or name in fn.declared_outer or (
                    self._rebound_in_closure(facts, fn, name)):
                return "unknown"
            kinds = {self._value_kind(facts, fn, v, depth + 1) for v in assigned}
            return kinds.pop() if len(kinds) == 1 else "unknown"
        if value.kind == "attr" and value.ref is not None and fn is not None:
            ref = value.ref
            cls_key = None
            if ref.receiver == "self" and fn.self_class and ref.text.count(".") == 1:
                cls_key = function_key(facts.module, fn.self_class)
            elif ref.receiver in ("other", "self") and not ref.qualified and "." in ref.text:
                # `protocol.done` with `protocol = DoneProtocol()`: a workspace class's
                # instance (a receiver of unknown or library type may hold anything)
                kind, key = self.ws.receiver_class(facts, _site_in(fn, ref),
                                                   ref.text.rpartition(".")[0])
                cls_key = key if kind == "workspace" else None
            if cls_key is not None:
                on_self = ref.receiver == "self" and ref.text.count(".") == 1
                return self._attribute_kind(cls_key, ref.name, depth, on_self)
        return "unknown"

    def _apply_policy(self, decision: Decision, only: set[str] | None,
                      unseen_checked: bool) -> None:
        """What holds for every candidate whatever its body (an inlineCallbacks function, a
        pass-through, a chain): a refusal the caller asked for, a name bound twice, an
        import alternative, whether `--only` selected it, `keep-deferred-api`, the public-api
        policy and, where `unseen_checked`, a method only a library it is handed to calls."""
        key, facts, fn = decision.key, decision.facts, decision.fn
        if key in self.refused:
            decision.reasons.insert(0, self.refused[key])
        if key in self.ws.redefined:
            # Callers reach whichever definition ran last, and the rewrite and the index
            # name functions by qualified name: one conversion for both would be a guess.
            decision.reasons.insert(0, Reason(
                "redefined",
                f"`{fn.qualname}` is bound more than once in this module (an `if`/`else` "
                "or `try`/`except ImportError` alternative, an import or a "
                "redefinition); txasync cannot tell which one its callers get"))
        elif (importer := self.ws.import_alternative(key)) is not None:
            # Its callers there may get the other one: the body converts, behind a wrapper
            # that keeps handing back a Deferred.
            decision.caller_reasons.insert(0, self._alternative_reason(fn, importer))
        decision.selected = only is None or key in only
        if self.config.keep_deferred_api and matches_function(self.config.keep_deferred_api,
                                                              facts.module, fn.qualname):
            decision.keep_api = True
        public = public_api_reason(self.config, facts, fn)
        if public is not None:
            decision.caller_reasons.append(public)
        unseen = self.no_caller_seen(key, facts, fn) if unseen_checked else None
        if unseen is not None and not decision.caller_reasons:
            decision.caller_reasons.append(unseen)
        if decision.caller_reasons:
            decision.keep_api = True

    @staticmethod
    def _alternative_reason(fn: FunctionFact, importer: str) -> Reason:
        """Why a function imported as one of two alternatives stays as it is: `importer`
        binds its name to another thing too, and what it does with the name (hands it over,
        calls it) is resolved to one of them only."""
        return Reason(
            "import-alternative",
            f"`{fn.qualname}` is imported in `{importer}` under a name bound to another "
            "definition too (an `if`/`else` or `try`/`except ImportError` alternative): "
            "txasync cannot tell which one that module's uses get, so it keeps returning a "
            "Deferred", where=importer)

    def _rebound_in_closure(self, facts: ModuleFacts, fn: FunctionFact, name: str) -> bool:
        """A nested function declares `nonlocal name`: it may rebind the local."""
        prefix = fn.qualname + ".<locals>."
        return any(other.qualname.startswith(prefix) and name in other.declared_outer
                   for other in facts.functions)

    def _attribute_kind(self, cls_key: str, name: str, depth: int, on_self: bool = False
                        ) -> str:
        """What `self.name` holds, from every store into an attribute of that name anywhere
        in the workspace (any object's: the receiver of `x.name = v` may be this instance):
        awaitable only when each stores a Deferred (`self.d = Deferred()`, `succeed(...)`,
        a local bound only to one). A method or property of that name, a store of anything
        else (`self.d = None`), a store txasync cannot read (`setattr(o, name, v)`), or a
        library base that may set it makes it unknown."""
        memo_key = (f"attr:{cls_key}:{name}", on_self, False)
        if memo_key in self._returns_memo:
            return self._returns_memo[memo_key]
        self._returns_memo[memo_key] = "unknown"
        kind = self._attribute_kind_uncached(cls_key, name, depth, on_self)
        self._returns_memo[memo_key] = kind
        return kind

    def _attribute_kind_uncached(self, cls_key: str, name: str, depth: int,
                                 on_self: bool) -> str:
        """With `on_self` (`self.d`, whose instance is of `cls_key`'s family), stores that
        cannot land on such an instance leave the question: `self.d = None` in a method of
        an unrelated class, `setattr(self, n, v)` there (analysis/attributes.py). A typed
        receiver (`proto.d`) may be a duck-typed fake: every store counts."""
        if self.ws.methods_by_name.get(name):
            return "unknown"
        family = attributes.family(self.ws, cls_key)
        stores: list[tuple[ModuleFacts, str, Value]] = []
        for module in self.ws.modules.values():
            if on_self:
                if attributes.computed_store_reaches(self.ws, module, family) or (
                        "__dict__" in module.attribute_stores):
                    return "unknown"
            elif module.computed_attribute_stores:
                return "unknown"
            stores.extend((module, owner, v)
                          for owner, v, on in module.attribute_stores.get(name, ())
                          if not (on_self and attributes.store_elsewhere(
                              self.ws, module, owner, on, family)))
        if not stores:
            return "unknown"
        for key in family:
            if key in self.ws.classes:
                if {"__getattr__", "__getattribute__"} & set(self.ws.classes[key][1].methods):
                    return "unknown"  # a lookup that finds no attribute may answer anything
                continue
            if key in api.SAFE_BASES or key in ("builtins.object", "object"):
                continue
            if library.class_may_set(self.ws.canonical(key), name):
                return "unknown"
        for module, owner, stored in stores:
            owner_fn = module.function(owner) if owner else None
            if self._value_kind(module, owner_fn, stored, depth + 1) != "awaitable":
                return "unknown"
        return "awaitable"

    def _resolve_value_call(self, facts: ModuleFacts, fn: FunctionFact, ref: Ref) -> str | None:
        targets = self.ws.resolve_in(facts, fn, _site_in(fn, ref)).targets
        return targets[0] if len(targets) == 1 else None

    def _call_kind(self, facts: ModuleFacts, fn: FunctionFact | None, ref: Ref,
                   depth: int) -> str:
        if ref.qualified in api.DEFERRED_RETURNING:
            return "awaitable"
        if ref.kind == "attr" and ref.name in api.DEFERRED_METHODS:
            return "awaitable"
        if (ref.kind == "name" and ref.qualified is None and ref.name in api.PLAIN_BUILTINS
                and ref.name not in facts.module_names):
            return "plain"
        if not (fn is not None and fn.binds_locally(ref.name)) and self._plain_constructor(
                facts, ref):
            return "plain"
        site = _site_in(fn, ref)
        if self._exact_attribute_call(facts, fn, ref, depth) == "awaitable":
            return "awaitable"
        resolution = self.ws.resolve_in(facts, fn, site)
        if not resolution.targets:
            return "unknown" if resolution.possible else self._library_kind(facts, site, ref)
        if self.ws.external_receiver(facts, site):
            # A library type's receiver: workspace subclasses (the targets) or the library
            # class itself may be what runs.
            if self._library_kind(facts, site, ref) != "awaitable":
                return "unknown"
        # `Base.method(self, ...)` runs exactly the method `Base` has (or inherits): no
        # override can answer it.
        explicit = (self._class_method(facts, fn, ref) if ref.kind == "attr"
                    and ref.receiver not in ("self", "cls", "super") else None)
        if explicit is not None:
            return self.function_result_kind(explicit, depth + 1, own=True)
        # A method that only raises, or an Interface's declaration, returns nothing a caller
        # could receive: the other methods of the dispatch set decide (alone, it is unknown).
        deciding = [t for t in resolution.targets if not self._neutral(t)]
        on_self = ref.receiver in ("self", "cls", "super")
        kinds = {self.function_result_kind(t, depth + 1, body=on_self and self._spec_only(t))
                 for t in deciding or resolution.targets}
        kind = kinds.pop() if len(kinds) == 1 else "unknown"
        if kind == "plain" and self._overridable(facts, site):
            # `yield self.get_volumes()` of a method returning `[]`: the yield is there for
            # overrides that return a Deferred, in subclasses txasync may not see (a user's).
            return "unknown"
        return kind

    def _exact_attribute_call(self, facts: ModuleFacts, fn: FunctionFact | None, ref: Ref,
                              depth: int) -> str:
        """`self.session.get()` where every value `self.session` can hold is exactly a
        `Session` (analysis/attributes.py): what `Session.get` returns, replacements of it
        included; overrides and duck-typed fakes cannot be there. 'unknown' otherwise."""
        if (fn is None or not fn.self_class or ref.kind != "attr" or ref.qualified
                or not ref.text.startswith("self.") or ref.text.count(".") != 2
                or ref.receiver_attr is None):
            return "unknown"
        cls_key = function_key(facts.module, fn.self_class)
        held = attributes.exact_attribute_class(self.ws, cls_key, ref.receiver_attr)
        if held is None:
            return "unknown"
        if held not in self.ws.classes:
            # A library class: its own source decides, unless the tests replace or double
            # a method of that name or the class.
            replaced = self.ws.replaced_names()
            if ref.name in replaced or held.rsplit(".", 1)[-1] in replaced:
                return "unknown"
            return library.method_kind(held, ref.name)
        method = self.ws.lookup_method(held, ref.name)
        if method is None:
            return "unknown"
        return self.function_result_kind(method, depth + 1, own=True)

    def _exact_method(self, facts: ModuleFacts, fn: FunctionFact | None, ref: Ref
                      ) -> str | None:
        """The one workspace method `self.x.m()` runs when every value `self.x` can hold
        is exactly one workspace class (analysis/attributes.py), else None."""
        if (fn is None or not fn.self_class or ref.kind != "attr" or ref.qualified
                or not ref.text.startswith("self.") or ref.text.count(".") != 2
                or ref.receiver_attr is None):
            return None
        held = attributes.exact_attribute_class(
            self.ws, function_key(facts.module, fn.self_class), ref.receiver_attr)
        if held is None or held not in self.ws.classes:
            return None
        return self.ws.lookup_method(held, ref.name)

    def _replaced_by_awaitables(self, key: str, depth: int) -> bool:
        """Everything the tests install in place of `key` returns an awaitable when called
        (`obj.fetch = fake_fetch` of an inlineCallbacks `fake_fetch`, `self.patch(obj,
        "finish", lambda: defer.fail(e))`): a call may meet the double, and `await` takes
        its value as `yield` did, so the double does not make the call unknown. A double
        `patch()` or a spec'd Mock makes, or any replacement whose value syntax cannot
        tell (a Mock, a value, a lambda of its own arguments), does."""
        replaced = self.ws.replacement(key)
        if replaced is None:
            return True
        if replaced.auto or depth > 6:
            return False
        if self._doubled is None:
            self._doubled = frozenset(self.ws.doubled_keys())
        if key in self._doubled:
            return False
        sites = self.ws.replacing(key)
        return bool(sites) and all(self._installs_awaitable(facts, site, depth)
                                   for facts, site in sites)

    def _installs_awaitable(self, facts: ModuleFacts, site: CallSite, depth: int) -> bool:
        """A replacement whose installed function (or lambda) returns only awaitables."""
        fn = facts.function(site.enclosing) if site.enclosing else None
        if site.replaced_returns is not None:
            return self._value_kind(facts, fn, site.replaced_returns, depth + 1) == "awaitable"
        if site.replaced_with is None:
            return False
        # The function object is taken when the replacement runs: what replaces its name
        # afterwards (this very replacement, for `step.addLog = addLog`) is not it.
        resolution = self.ws.resolve(facts, replace(site, callee=site.replaced_with))
        return bool(resolution.targets) and not resolution.possible and all(
            self.function_result_kind(t, depth + 1, body=True) == "awaitable"
            for t in resolution.targets)

    def _spec_only(self, key: str) -> bool:
        """Only doubles made from a class (`Mock(spec=C)`) replace `key`. Such a double
        never runs the class's real methods, so a `self.m()` (or `super().m()`) inside
        one, whose `self` is a real instance, never meets it: the bodies decide there."""
        replaced = self.ws.replacement(key)
        if replaced is None or not replaced.spec_double:
            return False
        # A replacement by name alone (`x.fetch = lambda: 5` on an untyped `x`) may also
        # land on a real instance.
        return self.ws.replaced.get(self.ws.functions[key][1].name) is None

    def _class_method(self, facts: ModuleFacts, fn: FunctionFact | None, ref: Ref
                      ) -> str | None:
        """The method `Base.name(self)` runs when the receiver is a workspace class itself
        (not an instance, nor a local of that name, nor a class tests replace)."""
        owner = ref.text.rpartition(".")[0]
        if not owner or (fn is not None and fn.binds_locally(owner.split(".")[0])):
            return None
        written = ref.qualified.rpartition(".")[0] if ref.qualified else owner
        cls_key = self.ws.class_key(facts, written)
        if cls_key is None or self.ws.replacement(cls_key) is not None:
            return None
        return self.ws.lookup_method(cls_key, ref.name)

    def _module_function_replaced(self, qualified: str) -> bool:
        name = qualified.rpartition(".")[2]
        module = qualified.rpartition(".")[0]
        for facts, site in self.ws.replacements_named(name):
            callee = site.callee
            if callee.qualified is not None:
                if callee.qualified == qualified:
                    return True
                continue
            # `mod.f = fake`, `patch.object(mod, "f")`: the receiver is the module (an
            # instance's attribute of the same name is another thing); a bare name
            # (`patch("f")`) cannot be placed.
            owner = callee.text.rpartition(".")[0]
            if not owner or facts.imports.get(owner) == module or (
                    owner.split(".")[0] in facts.imports
                    and facts.imports.get(owner.split(".")[0], "") + owner[
                        len(owner.split(".")[0]):] == module):
                return True
        return False

    def _library_kind(self, facts: ModuleFacts, site: CallSite, ref: Ref) -> str:
        """What a call that reaches no workspace function returns, from the library's own
        source (analysis/library.py): a library function by its qualified name, a method of
        a library receiver type, or one a workspace class inherits from a library base
        (`self.m()`, `super().m()`). Anything a test may replace, and any same-name method
        of the workspace (a duck-typed fake may stand in for the library object), must
        agree; else unknown."""
        replaced = self.ws.replaced_names()
        kind: str = "unknown"
        if ref.qualified is not None:
            owner = ref.qualified.rpartition(".")[0]
            if library.is_module(owner):
                # A module's function: only a replacement naming it (`patch("mod.f")`,
                # `patch.object(mod, "f")`, `mod.f = fake`) or one txasync cannot place
                # (`setattr(x, "f", ...)` of an unknown `x`) reaches it.
                if self._module_function_replaced(ref.qualified):
                    return "unknown"
            elif ref.name in replaced or owner.rsplit(".", 1)[-1] in replaced:
                return "unknown"  # a method of a class that is doubled or patched
            kind = library.function_kind(ref.qualified)
            return kind if kind == "awaitable" else "unknown"
        if ref.name in replaced:
            return "unknown"
        if ref.kind != "attr":
            return "unknown"
        external = self.ws.external_receiver(facts, site)
        if external:
            if external.rsplit(".", 1)[-1] in replaced:
                return "unknown"
            if library.method_kind(external, ref.name) != "awaitable":
                return "unknown"
            if self._constructed_library_local(facts, site, ref) == external:
                # `lc = LoopingCall(f)` then `lc.start(1)`: exactly the library's class, so
                # no workspace class (a subclass, a duck-typed fake) can answer the call.
                return "awaitable"
            for other in self.ws.methods_by_name.get(ref.name, []):
                if self.function_result_kind(other, own=True) != "awaitable" and not (
                        self._neutral(other)):
                    return "unknown"
            return "awaitable"
        if ref.receiver in ("self", "cls", "super") and site.enclosing_class:
            cls_key = function_key(facts.module, site.enclosing_class)
            definer = self.ws.external_definer(cls_key, ref.name)
            if definer is None or any(
                    self.ws.external_definer(sub, ref.name) != definer
                    for sub in self.ws.subclasses(cls_key)):
                return "unknown"  # a subclass may mix in another library base
            kind = library.method_kind(definer, ref.name)
        return kind if kind == "awaitable" else "unknown"

    def _constructed_library_local(self, facts: ModuleFacts, site: CallSite, ref: Ref
                                   ) -> str | None:
        """The library class `x` in `x.m()` is exactly an instance of, when `x` is a local
        of the function the call is written in (not a parameter, not declared `global` or
        `nonlocal`, not rebound by a closure) bound only by calls of that class's
        constructor (`attributes.constructed_class`: no `__new__` in its line, no
        Deferred, every base readable, the class not replaced by the tests); else None."""
        owner = ref.text.rpartition(".")[0]
        fn = facts.function(site.enclosing) if site.enclosing else None
        if (fn is None or ref.kind != "attr" or ref.qualified or not owner.isidentifier()
                or owner in ("self", "cls") or not fn.binds_locally(owner)
                or owner in fn.all_params or self._rebound_in_closure(facts, fn, owner)):
            return None
        made: set[str] = set()
        for value in fn.assignments.get(owner, ()):
            vref = value.ref
            if value.kind != "call" or vref is None or value.cast_to or (
                    vref.kind == "attr" and vref.receiver != "module"):
                return None
            held = attributes.constructed_class(self.ws, facts, vref.text, vref.qualified,
                                                fn.qualname)
            if held is None or held in self.ws.classes:
                return None
            made.add(held)
        return made.pop() if len(made) == 1 else None

    def _plain_constructor(self, facts: ModuleFacts, ref: Ref) -> bool:
        """`Session(...)` of a workspace class: an instance, never a Deferred, unless the
        class derives from Deferred, something in its line defines `__new__`, a base is
        out of sight, or the tests replace the class."""
        if ref.kind == "attr" and ref.receiver != "module":
            return False
        cls_key = self.ws.class_key(facts, ref.qualified or ref.text)
        if cls_key is None or self.ws.replacement(cls_key) is not None:
            return False
        if ref.kind == "name" and ref.qualified is None and ref.name not in facts.module_names:
            return False  # a local or a parameter of that name, not the class
        for key in [cls_key, *self.ws.ancestors(cls_key)]:
            if key in self.ws.classes:
                if "__new__" in self.ws.classes[key][1].methods:
                    return False
            elif key not in api.SAFE_BASES:
                return False
        return True

    def _overridable(self, facts: ModuleFacts, site: CallSite) -> bool:
        """The call dispatches on an instance whose class may be subclassed out of sight."""
        dispatch = self.ws.dispatch_class(facts, site, site.callee)
        return dispatch is not None and not dispatch[1]

    def _neutral(self, key: str) -> bool:
        """A method in a dispatch set that gives a caller nothing to receive (it only
        raises, or it declares what the implementations do) unless it is replaced or
        documents a Deferred."""
        tfacts, target = self.ws.functions[key]
        return (self.ws.replacement(key) is None and not declared_awaitable(target)
                and self._never_runs(tfacts, target))

    def function_result_kind(self, key: str, depth: int = 0, own: bool = False,
                             body: bool = False) -> str:
        """'awaitable', 'plain' or 'unknown': what a call of `key` returns. With `own`,
        leaving aside overrides a call might dispatch to; with `body`, what its body returns,
        leaving aside test doubles that replace it too (they matter at the sites that may
        see them)."""
        memo_key = (key, own or body, body)
        if memo_key in self._returns_memo:
            return self._returns_memo[memo_key]
        self._returns_memo[memo_key] = "unknown"  # cycles resolve to unknown
        tfacts, target = self.ws.functions[key]
        if self.ws.uncertain_binding(key) or (not body and self.ws.replacement(key) is not None
                                              and not self._replaced_by_awaitables(key, depth)):
            # Bound twice (or imported as one of two alternatives), or replaced at run time
            # (a test double, a patch): what a call returns is whatever the other returns.
            kind = "unknown"
        elif not self.result_transparent(tfacts, target):
            # A decorator decides what a call returns (a cache hit...): a Deferred when it
            # only ever returns one (`ensureDeferred(f(...))`, `deferToThread(f, ...)`).
            opaque = self.opaque_decorator(tfacts, target) or ""
            kind = "awaitable" if self._deferred_making(tfacts, opaque, depth) else "unknown"
        elif target.is_ic or target.is_async:
            kind = "awaitable"
        elif declared_awaitable(target, docstring=False):
            kind = "awaitable"  # a return annotation (type checkers hold the body to it)
        elif target.is_stub or self._is_declaration(tfacts, target):
            # A declaration: implementations decide, unless it documents a Deferred. (A
            # docstring on a real body is not evidence: real ones say "returns a Deferred"
            # of functions that return a plain value.)
            kind = "awaitable" if declared_awaitable(target) else "unknown"
        elif target.yields:
            kind = "unknown"  # a plain generator: Twisted 24.7+ runs it when yielded
        elif not (own or body) and any(
                self.ws.functions[r][1].is_ic or self.ws.functions[r][1].is_async
                for r in self.ws.related_methods(key)):
            kind = "unknown"  # a call resolved to it alone may reach an override
        else:
            kinds = {self._value_kind(tfacts, target, v, depth) for v in target.returns} or {
                "plain"}
            if len(target.returns) == 0 or all(v.kind == "none" for v in target.returns):
                kinds = {"plain"}
            kind = kinds.pop() if len(kinds) == 1 else "unknown"
        self._returns_memo[memo_key] = kind
        return kind

    def _never_runs(self, facts: ModuleFacts, fn: FunctionFact) -> bool:
        """A method no call ever returns from: an interface stub that only raises, or an
        Interface/Protocol declaration (the implementations are what run)."""
        return _is_abstract(fn) or self._is_declaration(facts, fn)

    def _is_declaration(self, facts: ModuleFacts, fn: FunctionFact) -> bool:
        """A method of a zope `Interface` or a `typing.Protocol`: a declaration whatever its
        body holds."""
        if not fn.class_qualname:
            return False
        cls_key = function_key(facts.module, fn.class_qualname)
        return self.ws.is_interface(cls_key) or self.ws.is_protocol(cls_key)

    def result_transparent(self, facts: ModuleFacts, fn: FunctionFact) -> bool:
        """Whether every decorator of `fn` (but inlineCallbacks) hands back what the
        function itself returns, so its body tells what a call returns."""
        return self.opaque_decorator(facts, fn) is None

    def opaque_decorator(self, facts: ModuleFacts, fn: FunctionFact) -> str | None:
        """The first decorator of `fn` (but inlineCallbacks) that may change what a call
        returns (a cache, a retry, a Deferred-making wrapper), or None."""
        for index, deco in enumerate(fn.decorators):
            if index == fn.ic_index:
                continue
            base = deco.split("(", 1)[0]
            if (base in api.RESULT_TRANSPARENT_DECORATORS
                    or base.startswith(api.RESULT_TRANSPARENT_PREFIXES)
                    or base in self.config.coroutine_aware_decorators
                    or self._transparent_decorator(facts, base, "(" in deco)
                    or self._passes_result_through(facts, base)):
                continue
            return deco
        return None

    def _deferred_making(self, facts: ModuleFacts, deco: str, depth: int) -> bool:
        """A workspace decorator `def d(f)` (not a factory) whose wrappers return only
        Deferreds, whatever `f` returns: `return ensureDeferred(f(*a))`, `return
        deferToThread(f, *a)`, `return fail(e)` in an `except`."""
        if not deco or "(" in deco:
            return False
        key = self._workspace_function(facts, deco)
        if key is None or self.ws.replacement(key) is not None:
            return False
        dfacts, dfn = self.ws.functions[key]
        if not dfn.params or dfn.yields or dfn.is_async or not dfn.returns:
            return False
        for value in dfn.returns:
            if value.kind != "name" or value.ref is None:
                return False
            inner = self.ws.functions.get(f"{key}.<locals>.{value.ref.name}")
            if inner is None or inner[1].yields or inner[1].is_async or not inner[1].returns:
                return False
            if any(d.split("(", 1)[0].rsplit(".", 1)[-1] != "wraps"
                   for d in inner[1].decorators):
                return False
            if any(self._value_kind(dfacts, inner[1], v, depth + 1) != "awaitable"
                   for v in inner[1].returns):
                return False
        return True

    def _passes_result_through(self, facts: ModuleFacts, name: str) -> bool:
        """A workspace decorator `def d(f)` whose every wrapper returns only `f(...)`: what
        the decorated function returns is what its body returns."""
        key = self._workspace_function(facts, name)
        if key is None:
            return False
        _, deco = self.ws.functions[key]
        if not deco.params or deco.yields or not deco.returns:
            return False
        wrapped = deco.params[0]
        for value in deco.returns:
            if value.kind != "name" or value.ref is None:
                return False
            if value.ref.name == wrapped:
                continue
            inner = self.ws.functions.get(f"{key}.<locals>.{value.ref.name}")
            if inner is None or inner[1].yields or inner[1].is_async or not inner[1].returns:
                return False
            if any(v.kind != "call" or v.ref is None or v.ref.kind != "name"
                   or v.ref.name != wrapped for v in inner[1].returns):
                return False
            if inner[1].decorators and any(
                    d.split("(", 1)[0].rsplit(".", 1)[-1] != "wraps"
                    for d in inner[1].decorators):
                return False
        return True

    # -- callers -------------------------------------------------------------------------
    def caller_needs(self, site: CallSite, converting: set[str], ws_facts: ModuleFacts
                     ) -> str | None:
        """Why a resolved call site of a converted function needs a wrap (None: it does not)."""
        enclosing_key = function_key(ws_facts.module, site.enclosing) if site.enclosing else ""
        version = self.config.twisted_version
        if enclosing_key in converting and handed_out(self.shapes, site, ws_facts):
            return None  # the rewrite of the pass-through or chain awaits it in place
        if site.uncalled:
            if site.handed_to is None:
                return "referenced as a value; whoever calls it later expects a Deferred"
            api_name = api.callback_api(site.handed_to or "")
            if api_name is not None and not api.callback_needs_wrap(api_name, version):
                return None
            return f"handed to `{site.handed_to}` uncalled"
        if site.usage in ("awaited", "checked"):
            return None
        if site.usage == "yielded" and site.immediate:
            if enclosing_key in converting:
                return None
            if version >= (24, 7):
                return None
            return "yielded in an inlineCallbacks function, which awaits coroutines only from 24.7"
        if site.usage == "stored":
            for other in ws_facts.calls:
                if (other.enclosing == site.enclosing and other.callee.kind == "attr"
                        and other.callee.text == f"{site.detail}.{other.callee.name}"
                        and other.callee.name in api.DEFERRED_ONLY_ATTRIBUTES):
                    return (f"its result is stored in `{site.detail}`, then "
                            f"`.{other.callee.name}` is called on it")
        return {
            "stored": "its result is stored and waited on later (keeps it running concurrently)",
            "deferred-method": f"`.{site.detail}` is called on its result",
            "argument": f"its result is passed to `{site.detail}`",
            "returned": "its result is returned",
            "statement": "it is called without waiting (fire and forget)",
            "yielded": "its result is yielded outside an inlineCallbacks frame",
        }.get(site.usage, "its result is used as a value")

    def caller_fine_reason(self, site: CallSite, converting: set[str], facts: ModuleFacts
                           ) -> str:
        """Why a caller needs no wrap (for hovers and reports)."""
        if site.uncalled:
            api_name = api.callback_api(site.handed_to or "") or site.handed_to
            return f"`{api_name}` awaits coroutines on this Twisted version"
        if site.usage == "awaited":
            return "awaited directly"
        if site.usage == "checked":
            return "its result is checked with `inspect` and a coroutine is started"
        enclosing_key = function_key(facts.module, site.enclosing) if site.enclosing else ""
        if enclosing_key in converting:
            return "yielded in a function converted too: becomes `await`"
        return "yielded in inlineCallbacks, which awaits coroutines since Twisted 24.7"

    def possible_caller(self, site: CallSite, converting: set[str], facts: ModuleFacts
                        ) -> tuple[Reason | None, str | None]:
        """A call by name with an unknown receiver: (problem, why-wrap).

        A wrap in `ensureDeferred` is right whatever the receiver is where the result is
        already used as a Deferred (`.addCallback` on it, handed to `gatherResults`):
        `ensureDeferred` passes Deferreds through. Elsewhere a plain value is possible, and
        txasync refuses rather than guess.
        """
        version = self.config.twisted_version
        if site.uncalled:
            api_name = api.callback_api(site.handed_to or "")
            if api_name is not None and not api.callback_needs_wrap(api_name, version):
                return None, None
            if site.computed:  # `callLater(0, getattr(obj, name))`, via a local or not
                taker = site.handed_to or site.detail
                return Reason(
                    "computed-name",
                    f"`getattr({site.callee.text[:-2]}, ...)` at {_loc(facts, site.span)} looks "
                    f"a method up by a computed name and hands it to `{taker}`, which would "
                    "get a coroutine from it",
                    where=f"{facts.path}:{site.span.line}"), None
            return Reason(
                "unknown-receiver",
                f"`{site.callee.text}` at {_loc(facts, site.span)} may be it (txasync cannot "
                "tell the receiver's type), handed over uncalled; annotate the receiver so "
                "txasync can tell", where=f"{facts.path}:{site.span.line}"), None
        if site.usage in ("awaited", "checked"):
            return None, None
        if site.usage == "deferred-method" and site.detail in api.DEFERRED_ONLY_ATTRIBUTES:
            return None, f"`.{site.detail}` is called on its result"
        if site.usage == "argument" and site.detail.rsplit(".", 1)[-1] in (
            api.DEFERRED_ONLY_ARGUMENT_APIS
        ):
            return None, f"its result is passed to `{site.detail}`"
        enclosing_key = function_key(facts.module, site.enclosing) if site.enclosing else ""
        if site.usage == "yielded" and site.immediate:
            if enclosing_key in converting and (
                version >= (22, 8) and self.config.unknown_yield == "maybe-deferred"
            ):
                return None, None
            if enclosing_key not in converting and version >= (24, 7):
                return None, None
        if site.computed:
            obj = site.callee.text[:-2]
            return Reason(
                "computed-name",
                f"`getattr({obj}, ...)(...)` at {_loc(facts, site.span)} looks a method up by "
                "a computed name and may call it, and would get a coroutine",
                where=f"{facts.path}:{site.span.line}"), None
        return Reason(
            "unknown-receiver",
            f"`{site.callee.text}(...)` at {_loc(facts, site.span)} may call it (txasync "
            "cannot tell the receiver's type) and would get a coroutine; annotate the "
            "receiver (for example the `__init__` parameter it is assigned from)",
            where=f"{facts.path}:{site.span.line}"), None

    def no_caller_seen(self, key: str, facts: ModuleFacts, fn: FunctionFact) -> Reason | None:
        """A method nothing in the workspace calls, refers to or may reach: whoever calls it
        is outside (a library calling a duck-typed fake's `getConnection`, a framework's
        hook), and gets what it returns today. Test methods and fixtures are the runner's
        (test_reasons decides those)."""
        if not fn.class_qualname or api.TEST_METHOD.match(fn.name) or fn.name in (
                "setUpClass", "tearDownClass", "asyncSetUp", "asyncTearDown"):
            return None
        if self.all_callers(key) or self.possible_callers(key):
            return None
        return Reason(
            "no-caller-seen",
            f"nothing in the workspace calls `{fn.qualname}`: what calls it (a library, a "
            "framework, through duck typing) expects what it returns today",
            where=f"{facts.path}:{fn.name_span.line}")

    def aware_site(self, site: CallSite, facts: ModuleFacts) -> bool:
        """A call statement, `return f()` or `x = f()` alone on its lines in a def, which the
        rewrite can make take a coroutine as it took a Deferred or a plain value: `r = f()`,
        then `if inspect.iscoroutine(r):` start it with `ensureDeferred`. The same at run time
        whatever `f` turns out to be (a Deferred or a plain value passes through untouched;
        a coroutine starts at once, as the inlineCallbacks generator did), so a caller
        whose receiver is unknown, a dispatch that may also reach a plain sibling, or a test
        double no longer keeps the callee's Deferred API."""
        if site.uncalled or not site.own_line or site.usage not in (
                "statement", "returned", "stored"):
            return False
        bound = facts.imports.get("inspect")
        if bound is not None and bound != "inspect":
            return False
        if bound is None and "inspect" in facts.module_names:
            return False
        found = self.ws.functions.get(function_key(facts.module, site.enclosing))
        return found is None or not found[1].binds_locally("inspect")

    def _aware_starter(self) -> str:
        """Only coroutines reach the starter of an aware site, so `fromCoroutine` is safe
        wherever the configuration asks for it and Twisted has it."""
        if self.config.wrapper == "fromCoroutine" and self.config.at_least(21, 2):
            return "Deferred.fromCoroutine"
        return "ensureDeferred"

    # -- the whole workspace -------------------------------------------------------------
    def decide(self, only: set[str] | None = None, among: set[str] | None = None
               ) -> dict[str, Decision]:
        """Decisions for every IC function; `only` restricts which may convert. With `among`,
        only those functions are decided at all (the others cannot convert, so nothing in
        the decisions of `among` depends on them beyond what `only` says)."""
        decisions: dict[str, Decision] = {}
        for facts in self.ws.modules.values():
            for fn in facts.functions:
                if not fn.is_ic:
                    continue
                key = function_key(facts.module, fn.qualname)
                if among is not None and key not in among:
                    continue
                self.check_stop()
                decision = Decision(
                    key, facts, fn,
                    self.intrinsic_reasons(facts, fn) + self.test_reasons(facts, fn),
                    self.caller_side_reasons(facts, fn) + self.exposure_reasons(key, facts, fn),
                )
                # In test modules (where the public-api policy never protects a method): a
                # fake's method only the library it is handed to calls.
                self._apply_policy(decision, only, unseen_checked=is_test_module(facts))
                if self.config.unknown_yield == "refuse":
                    for y in fn.yields:
                        if self.classify_yield(facts, fn, y) == "maybe":
                            decision.reasons.append(Reason(
                                "unknown-yield-refused",
                                f"the value yielded at line {y.span.line} may not be a Deferred "
                                "(unknown-yield = refuse)"))
                            break
                decisions[key] = decision
        decisions.update(self._shape_decisions(only, among))
        converting = {k for k, d in decisions.items() if d.convertible and d.selected}
        # Bodies this run rewrites, keep-API helpers included: a yield there becomes an
        # await, so a call yielded there needs no wrap, whatever the callee's API. (A
        # function leaving `converting` below keeps its API, so is still rewritten.)
        rewritten = {k for k, d in decisions.items() if d.changes}
        # Caller-dependent reasons: iterate until no more functions drop out.
        changed = True
        while changed:
            changed = False
            for key in sorted(converting):
                self.check_stop()
                d = decisions[key]
                for facts, site in self.possible_callers(key):
                    problem, _ = self.possible_caller(site, converting, facts)
                    if problem is not None and not self.aware_site(site, facts):
                        d.caller_reasons.append(problem)
                        d.keep_api = True
                        break
                if not d.caller_reasons:
                    problem = self._mixed_dispatch(key, rewritten) or self._replaced_and_wrapped(
                        key, rewritten)
                    if problem is not None:
                        d.caller_reasons.append(problem)
                        d.keep_api = True
                if not d.convertible:
                    converting.discard(key)
                    changed = True
        # A pass-through that keeps its Deferred API would become a wrapper handing back,
        # through a coroutine, the result it returns today (`return succeed(x)` as
        # `ensureDeferred(self.__f())` and `async def __f(): return x`): a round trip a
        # person would not write. It stays as written, and the calls it returns are then
        # callers like any other (wrapped below where their callee is converted).
        for key, d in decisions.items():
            if d.changes and d.keep_api and d.shape is not None and d.shape.kind == "passthrough":
                d.reasons.append(Reason(
                    "passthrough-kept",
                    "it keeps its Deferred API, and as a wrapper of an async helper it would "
                    "only hand back what it returns today: left as written"))
                rewritten.discard(key)
        for key in converting:
            self.check_stop()
            d = decisions[key]
            # fromCoroutine rejects Deferreds: only usable when no override can return one.
            wrap_func = "ensureDeferred"
            if (self.config.wrapper == "fromCoroutine" and self.config.at_least(21, 2)
                    and not self.ws.related_methods(key)):
                wrap_func = "Deferred.fromCoroutine"
            for facts, site in self.all_callers(key):
                why = self.caller_needs(site, rewritten, facts)
                if why is None:
                    continue
                if self._needs_aware(key, facts, site):
                    d.wraps.append((facts, Wrap(site.span, "aware", key, why,
                                                self._aware_starter())))
                    continue
                kind: Literal["call", "callback"] = "callback" if site.uncalled else "call"
                d.wraps.append((facts, Wrap(site.span, kind, key, why, wrap_func,
                                            bind_early=_rebindable(site, facts))))
            for facts, site in self.possible_callers(key):
                problem, why = self.possible_caller(site, converting, facts)
                if why is not None:
                    d.wraps.append((facts, Wrap(site.span, "call", key, why, "ensureDeferred")))
                elif problem is not None and self.aware_site(site, facts):
                    d.wraps.append((facts, Wrap(
                        site.span, "aware", key,
                        "the receiver is unknown: a coroutine result is started, anything "
                        "else passes through", self._aware_starter())))
            # Callers are found in the order modules were loaded, which differs between a
            # fresh load and an editor session: the order of a decision's wraps (and the text
            # built from them) must not.
            d.wraps.sort(key=lambda fw: (fw[0].path, fw[1].span, fw[1].kind))
        for d in decisions.values():
            if not d.changes:
                continue
            for y in d.fn.yields:
                action = self.classify_yield(d.facts, d.fn, y)
                d.yields[(y.span.line, y.span.col)] = action
                if action == "maybe":
                    d.unknown_yields.append(y)
                change = self._runs_coroutine_now(d.facts, d.fn, y, action)
                if change is not None:
                    d.behaviour_changes.append(change)
        raising = self._raising_shapes(decisions, rewritten)
        if raising:
            self._raising.update(raising)
            return self.decide(only, among)
        return decisions

    def _shape_decisions(self, only: set[str] | None, among: set[str] | None
                         ) -> dict[str, Decision]:
        """Decisions for pass-throughs and callback chains, when selected:
        their bodies judged by `ShapeJudge`, their callers exactly as an inlineCallbacks
        function's."""
        decisions: dict[str, Decision] = {}
        kinds = {k for k in ("passthrough", "chain") if shape_enabled(self.config, k)}
        if not kinds:
            return decisions
        for facts in self.ws.modules.values():
            for fn in facts.functions:
                if fn.shape is None or fn.shape.kind not in kinds:
                    continue
                key = function_key(facts.module, fn.qualname)
                if among is not None and key not in among:
                    continue
                if fn.shape.kind == "passthrough" and not self._hands_out_deferreds(
                        key, facts, fn):
                    continue  # returns calls, but nothing says they are Deferreds
                plan = ShapePlan(fn.shape.kind)
                body = self.shapes.body_reasons(facts, fn, plan)
                decision = Decision(
                    key, facts, fn,
                    body + self._decorator_reasons(fn, facts) + self.test_reasons(facts, fn),
                    self.caller_side_reasons(facts, fn) + self.exposure_reasons(key, facts, fn),
                    shape=plan)
                if key in self._raising:
                    decision.reasons.insert(0, self._raising[key])
                self._apply_policy(decision, only, unseen_checked=True)
                decisions[key] = decision
        return decisions

    def _hands_out_deferreds(self, key: str, facts: ModuleFacts, fn: FunctionFact) -> bool:
        """A pass-through is Deferred code when what it returns is awaitable and not a
        coroutine (a function handing out coroutines is async code already)."""
        assert fn.shape is not None
        for r in fn.shape.returns:
            if r.form == "call":
                targets = self.shapes.targets(facts, fn, r.callee)
                if targets and all(self.ws.functions[t][1].is_async for t in targets):
                    return False
        return self.function_result_kind(key, own=True, body=True) == "awaitable"

    def _raising_shapes(self, decisions: dict[str, Decision], rewritten: set[str]
                        ) -> dict[str, Reason]:
        """Rewritten pass-throughs and chains whose body may raise at the call while some
        caller gets the result as a Deferred (a wrap, or the keep-API wrapper): the raise
        would become a failed Deferred. A yield or an await takes both the same way."""
        found: dict[str, Reason] = {}
        for key, d in decisions.items():
            if d.shape is None or not d.changes or self.shapes.sync_safe(d.facts, d.fn):
                continue
            why = "it keeps its Deferred API" if d.keep_api else ""
            for facts, wrap in d.wraps:
                site = next((s for s in facts.calls if s.span == wrap.span), None)
                if site is None or not (site.usage == "yielded" and site.immediate):
                    why = why or f"the caller at {_loc(facts, wrap.span)} gets a Deferred"
                    break
            if not why:
                # A caller that checks for a coroutine (`if inspect.iscoroutine(r):`, the
                # aware form this rewrite writes) needs no wrap but starts it in a Deferred.
                for facts, site in self.all_callers(key) + self.possible_callers(key):
                    if site.usage == "checked":
                        why = (f"the caller at {_loc(facts, site.span)} starts its coroutine "
                               "in a Deferred")
                        break
            if why:
                found[key] = Reason(
                    "raises-sync", "its body may raise at the call, where callers see the "
                    f"exception today; as a coroutine it would fail the Deferred instead ({why})")
        return found

    def _runs_coroutine_now(self, facts: ModuleFacts, fn: FunctionFact, y: YieldFact,
                            action: YieldAction) -> str | None:
        """Before Twisted 24.7 `yield coro_fn()` hands the coroutine back unrun; the
        converted `await` runs it. Right, but a change in behaviour worth saying."""
        if action == "drop" or self.config.twisted_version >= (24, 7):
            return None
        if y.value.kind != "call" or y.value.ref is None:
            return None
        targets = self.ws.resolve_in(facts, fn, _site_in(fn, y.value.ref)).targets
        if not targets or not all(self.ws.functions[t][1].is_async for t in targets):
            return None
        return (f"line {y.span.line}: `yield {y.value.ref.text}(...)` hands back the coroutine "
                "unrun on this Twisted version (it is never run); after conversion it is "
                "awaited and runs")

    def _mixed_dispatch(self, key: str, rewritten: set[str]) -> Reason | None:
        """A call that may reach this function or a plain sibling override (`self.m()` in a
        base class whose subclasses define `m` differently): no single wrap fits both. A
        site that needs no wrap takes both as it is: an `await` (of a plain value it failed
        before too), a yield that becomes `await maybeDeferred(...)` (which runs a coroutine
        from Twisted 22.8), a yield inlineCallbacks keeps (which awaits one from 24.7)."""
        version = self.config.twisted_version
        for facts, site in self.all_callers(key):
            if site.uncalled:
                # A reference handed over (`addCleanup(x.tearDown)`): its wrap,
                # `lambda: ensureDeferred(x.tearDown())`, fails on a plain sibling's result.
                if self.caller_needs(site, rewritten, facts) is None:
                    continue
            elif site.usage == "awaited" or self.aware_site(site, facts):
                continue
            elif site.usage == "yielded" and site.immediate:
                enclosing = function_key(facts.module, site.enclosing)
                if enclosing in rewritten:
                    if version >= (22, 8) and self.config.unknown_yield != "await":
                        continue
                elif version >= (24, 7):
                    continue
            plain = self._plain_sibling(key, facts, site)
            if plain is not None:
                what = (f"`{site.callee.text}`, handed over uncalled at {_loc(facts, site.span)},"
                        " may also be" if site.uncalled else
                        f"`{site.callee.text}(...)` at {_loc(facts, site.span)} may also call")
                return Reason("mixed-dispatch",
                              f"{what} the plain `{plain}`, so no single wrap fits",
                              where=f"{facts.path}:{site.span.line}")
        return None

    def _plain_sibling(self, key: str, facts: ModuleFacts, site: CallSite) -> str | None:
        """Another function the site may reach that may return a plain value (qualname)."""
        on_self = site.callee.receiver in ("self", "cls", "super")
        for other in self.ws.resolve(facts, site).targets:
            if other == key:
                continue
            ofacts, ofn = self.ws.functions[other]
            replaced = self.ws.replacement(other)
            # A `self.m()` runs inside a real instance: a `Mock(spec=C)` double of it
            # never gets there, so only its body (and other replacements) decide.
            if self._plain_result(other, body=on_self and (
                    replaced is None or replaced.spec_double)):
                return ofn.qualname
        return None

    def _needs_aware(self, key: str, facts: ModuleFacts, site: CallSite) -> bool:
        """A resolved caller needing a wrap where `ensureDeferred` could meet a plain value
        (a plain sibling override, a test double): the aware form, where it can be written."""
        if not self.aware_site(site, facts):
            return False
        return (self.ws.replacement(key) is not None
                or self._plain_sibling(key, facts, site) is not None)

    def _replaced_and_wrapped(self, key: str, rewritten: set[str]) -> Reason | None:
        """A function a test double replaces (`obj.fetch = lambda: "x"`) converts plainly
        only when no caller needs a wrap: `ensureDeferred` fails on the double's plain value,
        where the caller's `.addCallback` or `yield` took it before. Callers that await or
        yield it keep working (a yield of a replaced function is never trusted)."""
        replaced = self.ws.replacement(key)
        if replaced is None:
            return None
        needing: list[tuple[ModuleFacts, CallSite, str]] = []
        for facts, site in self.all_callers(key):
            why = self.caller_needs(site, rewritten, facts)
            if why is not None and not self.aware_site(site, facts):
                needing.append((facts, site, why))
        for facts, site in self.possible_callers(key):
            # `x.fetch().addCallback(...)` on an untyped `x` is wrapped too: with a Mock
            # there, `.addCallback` was a silent no-op and `ensureDeferred` raises.
            _, why = self.possible_caller(site, rewritten, facts)
            if why is not None:
                needing.append((facts, site, why))
        for facts, site, why in needing:
            if why is not None:
                return Reason(
                    "replaced-at-run-time",
                    f"`{self.ws.functions[key][1].name}` is replaced at run time at "
                    f"{_path_loc(replaced.path, replaced.span)} (a test double or a patch), and "
                    f"`{site.callee.text}` at {_loc(facts, site.span)} would need a wrap "
                    f"({why}), which fails on a double's plain value",
                    where=f"{replaced.path}:{replaced.span.line}")
        return None

    def _plain_result(self, key: str, body: bool = False) -> bool:
        """A method beside a converted one in a dispatch set that may return something
        other than an awaitable. One that always returns a Deferred (`return
        defer.succeed(None)`) is not: `await` and `ensureDeferred` take both. With `body`,
        judged by its body alone (for the hierarchy as a whole; a call site that may meet a
        test double of it is judged at the site)."""
        facts, fn = self.ws.functions[key]
        if fn.is_ic or fn.is_async or self._never_runs(facts, fn):
            return False
        return self.function_result_kind(key, own=True, body=body) != "awaitable"

    def all_callers(self, key: str) -> list[tuple[ModuleFacts, CallSite]]:
        """The function's callers, and those of the same-name methods up and down its
        class hierarchy, which a call dispatching on the instance may trade for it. A call
        through a class object (`Base.stop(self)`) dispatches on nothing: it is a caller
        of the method it names alone."""
        sites = list(self.ws.callers(key))
        for other in self.ws.related_methods(key):
            sites.extend((facts, site) for facts, site in self.ws.callers(other)
                         if not self.ws.through_class(facts, site))
        seen: set[tuple[str, Span, bool]] = set()
        unique = []
        for facts, site in sites:
            marker = (facts.path, site.span, site.uncalled)
            if marker not in seen:
                seen.add(marker)
                unique.append((facts, site))
        return unique

    def possible_callers(self, key: str) -> list[tuple[ModuleFacts, CallSite]]:
        """Calls by name with an unknown receiver, and calls of a method looked up by a
        computed name (`getattr(obj, name)(...)`) that may find this one."""
        return list(self.ws.possible_callers(key)) + self.dynamic_callers(key)

    def dynamic_callers(self, key: str) -> list[tuple[ModuleFacts, CallSite]]:
        """`getattr(self, name)(...)` may find any method of `self`'s class hierarchy;
        `getattr(obj, name)(...)` any method at all."""
        facts, fn = self.ws.functions[key]
        if not fn.class_qualname:
            return []
        return list(self.ws.dynamic_callers(key))


def declared_awaitable(fn: FunctionFact, docstring: bool = True) -> bool:
    """Whether the function's return annotation (or, with `docstring`, its docstring) says
    every call returns a Deferred, an awaitable or a coroutine (`-> Deferred[int]`,
    `@rtype: L{Deferred}`)."""
    if awaitable_annotation(fn.returns_annotation):
        return True
    return docstring and awaitable_doc(fn.doc_returns)


def _site_in(fn: FunctionFact | None, ref: Ref) -> CallSite:
    """A call of `ref` as written in `fn`'s body, to ask the index what it reaches."""
    return CallSite(Span(0, 0, 0, 0), ref, "other", enclosing=fn.qualname if fn else "",
                    enclosing_class=fn.self_class if fn else "")


def _rebindable(site: CallSite, facts: ModuleFacts) -> bool:
    """Whether a handed-over reference's root name could be rebound before it is called
    (a loop or comprehension variable, a reassigned local): then the wrap must evaluate the
    reference at once, as the original expression did."""
    if not site.uncalled:
        return False
    root = site.callee.text.split(".")[0]
    if root in ("self", "cls") or site.callee.qualified is not None:
        return False
    if site.enclosing:
        enclosing = facts.function(site.enclosing)
        return enclosing is None or root in enclosing.assignments
    return root not in {f.name for f in facts.functions if "." not in f.qualname} and (
        root not in {c.name for c in facts.classes})


def _finishes_request(d: Decision) -> bool:
    """A `render*` method that writes and finishes the request itself, returning nothing."""
    if not d.fn.name.startswith("render") or not d.fn.class_qualname:
        return False
    if any(v.kind != "none" for v in d.fn.returns):
        return False
    return any(site.callee.name == "finish" and site.enclosing == d.fn.qualname
               for site in d.facts.calls)


def _returns_first_param(fn: FunctionFact) -> bool:
    return bool(fn.params) and bool(fn.returns) and not fn.yields and not fn.is_async and all(
        v.kind == "name" and v.ref is not None and v.ref.name == fn.params[0]
        for v in fn.returns)


def _is_abstract(fn: FunctionFact) -> bool:
    """A function whose body only raises (an abstract method) never returns to a caller."""
    return fn.raises_only and not (fn.is_ic or fn.is_async)


def file_plans(decisions: dict[str, Decision], convert: bool = True) -> dict[str, FilePlan]:
    """Group decisions into per-file edit instructions."""
    plans: dict[str, FilePlan] = {}

    def plan_for(path: str) -> FilePlan:
        return plans.setdefault(path, FilePlan(path))

    for d in decisions.values():
        if convert and d.changes:
            plan_for(d.facts.path).convert.append(
                ConvertFunction(d.fn.qualname, dict(d.yields), keep_api=d.keep_api,
                                not_done_yet=d.keep_api and _finishes_request(d),
                                shape=d.shape))
            for facts, wrap in d.wraps:
                plan_for(facts.path).wraps.append(wrap)
        elif not any(r.kind == "return-value-warning" for r in d.reasons):
            for rv in d.fn.return_values:
                if rv.as_statement and rv.single and not rv.guarded_by:
                    plan_for(d.facts.path).return_values.append(rv.span)
    for plan in plans.values():
        # Several converted callees can share a call site only through related methods.
        unique: dict[tuple[Span, str], Wrap] = {}
        for wrap in plan.wraps:
            unique.setdefault((wrap.span, wrap.kind), wrap)
        plan.wraps = sorted(unique.values(), key=lambda w: w.span)
    return plans
