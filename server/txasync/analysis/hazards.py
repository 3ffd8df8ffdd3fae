"""Hazards in code that is already async: coroutines where Twisted needs a Deferred.

These are the silent failures of a half-done migration (docs/twisted-semantics.md):
a coroutine yielded in an inlineCallbacks function before 24.7, a coroutine called and dropped,
an async function handed to `callLater`, an `async def render_GET`. Each finding carries its
fix: a wrap in `ensureDeferred` (safe: the coroutine then runs exactly as intended) or, for
methods Twisted calls synchronously, a plain method delegating to an async helper (unsafe:
the method's return type changes back to a Deferred).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from . import twisted_api as api
from .findings import Finding, Wrap
from .index import Workspace, _last_name, function_key, is_fake, is_test_module
from .model import CallSite, FailureSuccess, FunctionFact, ModuleFacts, Span
from .plan import Planner, _rebindable
from .reasons import kind_of
from .rules import RULES


@dataclass(frozen=True)
class Hazard:
    finding: Finding
    wrap: Wrap | None = None
    split: str | None = None  # qualname of an async method to split into wrapper + helper
    rename: tuple[Span, str] | None = None  # a name to respell in place
    defer_arg: Span | None = None  # an argument to turn into `lambda: arg`


def _finding(code: str, facts: ModuleFacts, site_span, message: str, function: str,
             safety: str) -> Finding:
    rule = RULES[code]
    return Finding(code, facts.path, site_span, message, rule.severity,
                   safety, function)  # type: ignore[arg-type]


def _async_target(ws: Workspace, planner: Planner, facts: ModuleFacts, site: CallSite
                  ) -> tuple[FunctionFact, str] | None:
    """The `async def` a call surely reaches, and "" when calling it surely returns a
    coroutine, else the decorator that may turn it into something else (a Deferred)."""
    if _last_name(site.callee) not in ws.methods_by_name:
        return None
    res = ws.resolved(facts, site)
    if len(res.targets) != 1:
        return None
    tfacts, fn = ws.functions[res.targets[0]]
    if not fn.is_async:
        return None
    return fn, planner.opaque_decorator(tfacts, fn) or ""


def find_hazards(ws: Workspace, config: Config) -> list[Hazard]:
    version = config.twisted_version
    hazards: list[Hazard] = []
    planner = Planner(ws, config)
    failure_values = any(f.failure_values for f in ws.modules.values())
    # Only a call the index resolved to exactly one `async def` can be a hazard: those are
    # among the callers of async functions, far fewer than all the workspace's calls.
    candidates: dict[str, set[int]] = {}
    for key, (_, fn) in ws.functions.items():
        if fn.is_async:
            for sfacts, site in ws.callers(key):
                candidates.setdefault(sfacts.path, set()).add(id(site))
    for facts in ws.modules.values():
        here = candidates.get(facts.path)
        for site in facts.calls if here else ():
            if id(site) not in here:  # type: ignore[operator]
                continue
            found_target = _async_target(ws, planner, facts, site)
            if found_target is None:
                continue
            target, decorator = found_target
            key = function_key(facts.module, target.qualname)
            name = target.name
            # Behind a decorator txasync cannot see through, the call may already return a
            # Deferred: say so instead of asserting (the wrap is harmless then).
            unless = (f" (unless its decorator `@{decorator}` already makes it return a "
                      "Deferred; the wrap is harmless then)") if decorator else ""
            if site.uncalled:
                api_name = api.callback_api(site.handed_to or "")
                if api_name is not None and api.callback_needs_wrap(api_name, version):
                    hazards.append(Hazard(
                        _finding("TXA012", facts, site.span,
                                 f"`{site.handed_to}` calls `{name}` and drops the coroutine it "
                                 f"returns: its body never runs{unless}", site.enclosing,
                                 "safe"),
                        Wrap(site.span, "callback", key, "async function handed over uncalled",
                             bind_early=_rebindable(site, facts))))
                continue
            why = None
            if site.usage == "yielded" and site.scope == "ic" and site.immediate:
                if version < (24, 7):
                    hazards.append(Hazard(
                        _finding("TXA010", facts, site.span,
                                 f"`yield {name}(...)` hands a coroutine to inlineCallbacks, "
                                 f"which runs it only from Twisted 24.7 (target "
                                 f"{version[0]}.{version[1]}){unless}", site.enclosing,
                                 "safe"),
                        Wrap(site.span, "call", key, "coroutine yielded in inlineCallbacks")))
                continue
            if site.usage == "statement":
                why = f"`{name}(...)` is called without `await`: the coroutine never runs"
            elif site.usage == "deferred-method" and site.detail in api.DEFERRED_ONLY_ATTRIBUTES:
                why = f"`.{site.detail}` is used on a coroutine, which has no such attribute"
            elif site.usage == "argument" and site.detail.rsplit(".", 1)[-1] in (
                    api.DEFERRED_ARGUMENT_APIS):
                why = f"`{site.detail}` needs a Deferred, and `{name}(...)` returns a coroutine"
            if why is not None:
                hazards.append(Hazard(
                    _finding("TXA011", facts, site.span, why + unless, site.enclosing, "safe"),
                    Wrap(site.span, "call", key, "coroutine where a Deferred is needed")))
    for facts in ws.modules.values():
        for found in facts.failure_successes:
            hazard = _failure_success(facts, found, failure_values)
            if hazard is not None:
                hazards.append(hazard)
    for facts in ws.modules.values():
        for fn in facts.functions:
            if not fn.is_async or not fn.class_qualname:
                continue
            if not planner.result_transparent(facts, fn):
                continue  # a decorator may already hand Twisted a Deferred
            reasons = planner.test_reasons(facts, fn) or planner.caller_side_reasons(facts, fn)
            # An unfound base or a plain sibling says nothing certain about an `async def`.
            reasons = [r for r in reasons
                       if kind_of(r) not in ("base-not-found", "plain-override")]
            if reasons:
                split = None if planner.test_reasons(facts, fn) else fn.qualname
                hazards.append(Hazard(
                    _finding("TXA013", facts, fn.name_span,
                             f"`async def {fn.name}`: {_as_async(reasons[0])}", fn.qualname,
                             "unsafe" if split else "none"),
                    split=split))
            elif api.TEST_METHOD.match(fn.name) and is_test_module(facts):
                missing = ws.unresolved_bases(function_key(facts.module, fn.class_qualname))
                if missing:
                    # Whether the runner awaits it depends on a base txasync cannot read:
                    # say that it does not know, rather than nothing (or a guess).
                    hazards.append(Hazard(_finding(
                        "TXA013", facts, fn.name_span,
                        f"`async def {fn.name}`: whether its test runner awaits it is unknown: "
                        f"its class derives from `{missing[0]}`, which txasync cannot find "
                        "(give it the project's interpreter with `--python`)", fn.qualname,
                        "none")))
    return hazards


def _failure_success(facts: ModuleFacts, found: FailureSuccess, failure_values: bool
                     ) -> Hazard | None:
    """TXA014: `succeed(Failure(e))` (respelled `fail(...)`), or a test double's `succeed(x)`
    of a stored value when the tests store Failure values (`maybeDeferred(lambda: x)`)."""
    if found.arg is None:
        new = "fail"
        message = ("`succeed(Failure(...))` is a Deferred that has *succeeded* with a failure: "
                   "`yield` raised it, `await` on Twisted 24.11+ fails an internal assertion "
                   "instead; use `fail(...)`")
    elif failure_values and is_fake(facts, found.owner):
        new = "maybeDeferred"
        message = ("this test double's `succeed(...)` of a stored value succeeds with a Failure "
                   "when the tests store one (they build Failure values): `yield` raised it, "
                   "`await` on Twisted 24.11+ fails an internal assertion instead; "
                   "`maybeDeferred(lambda: ...)` fails it, as `yield` did")
    else:
        return None
    rename = found.rename
    return Hazard(
        _finding("TXA014", facts, found.call, message, "",
                 "unsafe" if rename is not None else "none"),
        rename=None if rename is None else (
            rename, f"twisted.internet.defer.{new}" if found.import_fail else new),
        defer_arg=found.arg if rename is not None else None)


def _as_async(reason: str) -> str:
    """Reasons are written for inlineCallbacks functions; say them of an `async def`."""
    return reason.replace("it is a ", "this is a ").replace("it overrides", "it overrides")
