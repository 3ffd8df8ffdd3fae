"""The rewrite of pass-throughs and callback chains into `await` code.

A pass-through's `return f(...)` becomes `return await f(...)`, `return succeed(x)` becomes
`return x` and `return fail(E(...))` becomes `raise E(...)`. A chain becomes one value
variable and a `try` per errback, built from the inside out, so that each errback catches
exactly what it caught as a link of the chain:

    d = f(x)                          result = await f(x)
    d.addCallback(g, 1)         ->    try:
    d.addErrback(h)                       result = await defer.maybeDeferred(g, result, 1)
    return d                          except Exception:
                                          result = await defer.maybeDeferred(h, Failure())
                                      return result

`addCallbacks(g, e)` and `addBoth(b)` put the callback in the `else:` of that `try`, which
the `except` does not cover, as Twisted does not route the callback's failure to its errback.
The expressions are the user's own (taken from the updated tree, so a wrap made elsewhere in
the same rewrite is kept); the chain's statements hold no comments (the facts refuse those).
The semantics relied on are in docs/twisted-semantics.md ("Callback chains").
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from ..analysis.model import FunctionFact, Span
from ..analysis.shapes import DeferredShape, Handler, Step

Code = Callable[[cst.CSTNode], str]
Lines = list[tuple[int, str]]


def capture_spans(fn: FunctionFact) -> set[Span]:
    """The expressions of a chain whose rewritten text the chain's new body is made of."""
    shape = fn.shape
    spans: set[Span] = set()
    if shape is None or shape.kind != "chain" or shape.source_span is None:
        return spans
    spans.add(shape.source_span)
    for step in shape.steps:
        for handler in (step.callback, step.errback):
            if handler is None:
                continue
            spans.add(handler.span)
            if handler.body is not None:
                spans.add(handler.body)
            spans.update(handler.args)
            spans.update(span for _, span in handler.kwargs)
    return spans


class _Rename(cst.CSTTransformer):
    """A lambda's parameter respelled as the chain's value variable (attribute names and
    keyword names left alone; the facts refuse bodies with their own scopes)."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old, self.new = old, new

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute
                        ) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=self.new) if updated.value == self.old else updated


def _expr(text: str) -> str:
    """Text of an expression that stands alone on one logical line."""
    if "\n" in text or "\r" in text:
        return f"({text})"
    return text


class ChainWriter:
    """Builds a chain's new statements as text (parsed back into LibCST by the caller)."""

    def __init__(self, shape: DeferredShape, forms: dict[tuple[Span, str], str], result: str,
                 nodes: dict[Span, cst.CSTNode], code: Code, maybe: str,
                 failure: Callable[[], str]) -> None:
        self.shape, self.forms, self.result = shape, forms, result
        self.nodes, self.code = nodes, code
        self.maybe, self.failure = maybe, failure

    def text(self, span: Span) -> str:
        return _expr(self.code(self.nodes[span]))

    def _args(self, handler: Handler) -> str:
        parts = [self.text(s) for s in handler.args]
        parts += [f"{name}={self.text(s)}" for name, s in handler.kwargs]
        return "".join(", " + p for p in parts)

    def call(self, handler: Handler, role: str) -> Lines:
        """The statement(s) that run one callback (role "callback": on the value) or
        errback (on the failure being handled) and keep what it returns."""
        form = self.forms[(handler.span, role)]
        r = self.result
        value = r if role == "callback" else f"{self.failure()}()"
        func = self.text(handler.span)
        if form == "inline":
            if handler.returns_param:
                return []
            assert handler.body is not None
            body = self.nodes.get(handler.body)
            if body is None:  # `ast` and LibCST place a parenthesized tuple differently
                return [(0, f"{r} = ({func})({value})")]
            renamed = body.visit(_Rename(handler.lambda_param, r))
            assert isinstance(renamed, cst.CSTNode)
            return [(0, f"{r} = {_expr(self.code(renamed))}")]
        if form == "plain":
            return [(0, f"{r} = {func}({value}{self._args(handler)})")]
        if form == "await":
            return [(0, f"{r} = await {func}({value}{self._args(handler)})")]
        return [(0, f"{r} = await {self.maybe}({func}, {value}{self._args(handler)})")]

    def statements(self) -> str:
        shape = self.shape
        assert shape.source_span is not None
        lines: Lines = [(0, f"{self.result} = await {self.text(shape.source_span)}")]
        for step in shape.steps:
            lines = self._step(lines, step)
        lines.append((0, f"return {self.result}"))
        return "".join("    " * depth + text + "\n" for depth, text in lines)

    def _step(self, lines: Lines, step: Step) -> Lines:
        if step.method == "addCallback":
            assert step.callback is not None
            return lines + self.call(step.callback, "callback")
        assert step.errback is not None
        trap = self.forms[(step.errback.span, "errback")] == "trap"
        if trap:
            caught = step.errback.trap[0]
            handler = [(0, f"{self.result} = {caught}")]
        else:
            caught = "Exception"
            handler = self.call(step.errback, "errback")
        out = [(0, "try:"), *_indent(lines), (0, f"except {caught}:"), *_indent(handler)]
        if step.method in ("addCallbacks", "addBoth"):
            assert step.callback is not None
            done = self.call(step.callback, "callback")
            if done:
                out += [(0, "else:"), *_indent(done)]
        return out


def _indent(lines: Lines) -> Lines:
    return [(depth + 1, text) for depth, text in lines]
