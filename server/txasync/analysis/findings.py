"""Findings and edit instructions: what the engine hands to the rewrite, the CLI and the LSP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .model import Span

FixSafety = Literal["safe", "unsafe", "none"]
Severity = Literal["error", "warning", "information", "hint"]


@dataclass(frozen=True)
class Finding:
    code: str
    path: str
    span: Span
    message: str
    severity: Severity
    fix_safety: FixSafety
    function: str = ""  # module-relative qualified name of the function it is about
    reason: str = ""  # why a fix is refused (a function that is not converted)
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.col, self.code)


YieldAction = Literal["await", "drop", "maybe"]


@dataclass
class ConvertFunction:
    """Instructions for turning one inlineCallbacks function into `async def`."""

    qualname: str
    yields: dict[tuple[int, int], YieldAction] = field(default_factory=dict)
    # Keep `name` as a plain function returning a Deferred, the body in an `async def` helper.
    keep_api: bool = False
    # twisted.web `render_*` whose body finishes the request itself: the wrapper starts the
    # coroutine and returns NOT_DONE_YET (Synapse's pattern) instead of a Deferred.
    not_done_yet: bool = False
    # The keep-API helper's name, chosen by the engine against the whole run (every file of
    # the class hierarchy, every other helper); "" lets the rewrite choose from its file.
    helper: str = ""
    # A pass-through or callback chain (analysis/deferred_plan.py's ShapePlan), not an
    # inlineCallbacks function: its body is rewritten by rewrite/chains.py.
    shape: Any = None


@dataclass(frozen=True)
class Wrap:
    """A call (or an uncalled reference) whose result must stay a started Deferred."""

    span: Span
    # "aware": a statement (or `return`) made to start a coroutine result and pass anything
    # else through, where the callee may be a plain function or a double as well.
    kind: Literal["call", "callback", "aware"]
    target: str  # function key of the converted callee
    why: str
    func: str = "ensureDeferred"  # or "Deferred.fromCoroutine" (config `wrapper`)
    # For callback wraps: evaluate the reference now, as the original did, because its root
    # name may be rebound later (a loop variable); `self.f` and module functions need not.
    bind_early: bool = False


@dataclass
class FilePlan:
    path: str
    convert: list[ConvertFunction] = field(default_factory=list)
    wraps: list[Wrap] = field(default_factory=list)
    return_values: list[Span] = field(default_factory=list)  # returnValue fixes outside conversions
    # Names to respell in place: (the name's span, the new name), `succeed` -> `fail`.
    renames: list[tuple[Span, str]] = field(default_factory=list)
    # Expressions to defer into `lambda: expr` (`succeed(x)` -> `maybeDeferred(lambda: x)`).
    lambdas: list[Span] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.convert or self.wraps or self.return_values or self.renames
                    or self.lambdas)
