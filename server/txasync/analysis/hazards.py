"""Hazards in code that is already async: coroutines where Twisted needs a Deferred.

These are the silent failures of a half-done migration (docs/twisted-semantics.md):
a coroutine yielded in an inlineCallbacks function before 24.7, a coroutine called and dropped,
an async function handed to `callLater`, an `async def render_GET`. Each rule that finds one
(`rules/txa01*.py`) gets a `HazardContext`: the workspace, the configuration, a planner, and
the call sites that surely reach an `async def`, resolved once for all of them. Each finding
carries its fix: a wrap in `ensureDeferred` (safe: the coroutine then runs exactly as
intended) or, for methods Twisted calls synchronously, a plain method delegating to an async
helper (unsafe: the method's return type changes back to a Deferred).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from .findings import Finding, Wrap
from .index import Workspace, _last_name, function_key
from .model import CallSite, FunctionFact, ModuleFacts, Span
from .plan import Planner, _rebindable


@dataclass(frozen=True)
class Hazard:
    finding: Finding
    wrap: Wrap | None = None
    split: str | None = None  # qualname of an async method to split into wrapper + helper
    rename: tuple[Span, str] | None = None  # a name to respell in place
    defer_arg: Span | None = None  # an argument to turn into `lambda: arg`


@dataclass(frozen=True)
class AsyncCall:
    """A call site (or an uncalled reference) that surely reaches one `async def`."""

    facts: ModuleFacts
    site: CallSite
    target: FunctionFact
    key: str  # the target's function key
    # "" when calling it surely returns a coroutine, else the decorator txasync cannot see
    # through, which may make it return something else (a Deferred)
    decorator: str


class HazardContext:
    """What every hazard rule reads: shared so that each call is resolved once per run."""

    def __init__(self, ws: Workspace, config: Config) -> None:
        self.ws = ws
        self.config = config
        self.version = config.twisted_version
        self.planner = Planner(ws, config)
        self._async_calls: list[AsyncCall] | None = None

    def async_calls(self) -> list[AsyncCall]:
        """Every call site of the workspace that surely reaches an `async def`, in order."""
        if self._async_calls is None:
            found: list[AsyncCall] = []
            # Only a call the index resolved to exactly one `async def` can be one: those
            # are among the callers of async functions, far fewer than all the calls.
            candidates: dict[str, set[int]] = {}
            for key in self.ws.async_keys():
                for sfacts, site in self.ws.callers(key):
                    candidates.setdefault(sfacts.path, set()).add(id(site))
            for facts in self.ws.modules.values():
                here = candidates.get(facts.path)
                if not here:
                    continue
                for site in facts.calls:
                    if id(site) not in here:
                        continue
                    target = self._async_target(facts, site)
                    if target is not None:
                        fn, decorator = target
                        found.append(AsyncCall(facts, site, fn,
                                               function_key(facts.module, fn.qualname),
                                               decorator))
            self._async_calls = found
        return self._async_calls

    def _async_target(self, facts: ModuleFacts, site: CallSite
                      ) -> tuple[FunctionFact, str] | None:
        if _last_name(site.callee) not in self.ws.methods_by_name:
            return None
        res = self.ws.resolved(facts, site)
        if len(res.targets) != 1:
            return None
        tfacts, fn = self.ws.functions[res.targets[0]]
        if not fn.is_async:
            return None
        return fn, self.planner.opaque_decorator(tfacts, fn) or ""

    @staticmethod
    def bind_early(site: CallSite, facts: ModuleFacts) -> bool:
        """Whether a wrap of this handed-over reference must evaluate it at once."""
        return _rebindable(site, facts)
