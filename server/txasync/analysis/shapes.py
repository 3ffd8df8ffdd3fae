"""Facts about plain functions that hand out Deferreds: pass-throughs and callback chains.

Two shapes of undecorated Deferred code, read from one function's `ast` while the facts
walker is in it, and kept as plain picklable records on its `FunctionFact`:

- a *pass-through*: every `return` returns a call (`return self.load(key or "x")`,
  `return defer.succeed(x)`, `return defer.fail(E())`); the planner decides whether the calls
  return Deferreds;
- a *callback chain*: `d = f(...)`, then `d.addCallback(g, *a)`, `d.addErrback(h)`,
  `d.addCallbacks(g, e)`, `d.addBoth(b)` (or the same calls chained on `f(...)`), then
  `return d`, with nothing else done with `d`. A function that calls those methods in any
  other way is still recorded, with the *problem* that keeps it from converting.

Nothing here decides; `analysis/deferred_plan.py` does, with the workspace in hand.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from .model import Ref, Span, Value

CHAIN_METHODS = frozenset({"addCallback", "addErrback", "addBoth", "addCallbacks"})
SUCCEED = "twisted.internet.defer.succeed"
FAIL = "twisted.internet.defer.fail"
# Twisted calls that hand back the Deferred their argument gives them, when it gives one
# (`maybeDeferred(f)` returns the Deferred `f()` returns, `ensureDeferred(d)` returns `d`),
# and make a new one otherwise: what they return is as new as what they are handed.
PASS_ON = frozenset({"twisted.internet.defer.maybeDeferred",
                     "twisted.internet.defer.ensureDeferred"})

ShapeKind = Literal["passthrough", "chain"]
# Why a chain (or a pass-through) cannot be converted, as the fact tells (the planner turns
# each into a typed reason).
Problem = Literal[
    "", "falls-through", "return-in-try", "fail-form", "succeed-failure",
    "chain-stored", "chain-passed", "chain-returned-early", "chain-cancelled",
    "chain-conditional", "chain-fired", "chain-foreign", "chain-arguments",
    "chain-late-binding", "chain-comments", "chain-other",
]


@dataclass(frozen=True)
class PassReturn:
    """One `return CALL` of a pass-through."""

    span: Span  # the return statement
    call: Span  # the returned call
    form: Literal["call", "succeed", "fail"]
    callee: Ref
    arg: Span | None = None  # the argument of succeed(x) / fail(e)
    # `fail(E(...))` of a class by name (not a `Failure`): `raise E(...)` says the same.
    raisable: bool = False
    # `maybeDeferred(f, ...)` / `ensureDeferred(g(...))` (PASS_ON): `f` / `g`, whose result
    # the call hands back as it is when that is a Deferred.
    inner: Ref | None = None


@dataclass(frozen=True)
class Handler:
    """A callback or errback handed to a chain method."""

    span: Span  # the callable expression
    ref: Ref | None = None  # a name or attribute
    lambda_param: str = ""  # `lambda p: body` with one plain parameter
    body: Span | None = None  # that lambda's body
    body_value: Value | None = None
    inlinable: bool = False  # the body can take the value's name in place of `p`
    returns_param: bool = False  # `lambda p: p`
    trap: tuple[str, ...] = ()  # `lambda f: f.trap(A)`: the trapped types' text
    args: tuple[Span, ...] = ()  # extra positional arguments
    kwargs: tuple[tuple[str, Span], ...] = ()  # extra keyword arguments


@dataclass(frozen=True)
class Step:
    method: Literal["addCallback", "addErrback", "addBoth", "addCallbacks"]
    span: Span
    callback: Handler | None = None
    errback: Handler | None = None


@dataclass(frozen=True)
class DeferredShape:
    kind: ShapeKind
    problem: Problem = ""
    problem_line: int = 0
    # Nothing the function does before the call it hands out can raise (only names,
    # constants and attribute reads of them): so a synchronous exception, which a caller
    # saw at the call, cannot turn into a failed Deferred once the body is a coroutine.
    sync_safe: bool = False
    returns: tuple[PassReturn, ...] = ()
    # Chains: the call that makes the Deferred, the variable, the steps in order, and the
    # first line of the chain's statements (everything before it stays as it is).
    source: Ref | None = None
    source_span: Span | None = None
    var: str = ""
    steps: tuple[Step, ...] = ()
    first_line: int = 0
    names: frozenset[str] = field(default_factory=frozenset)  # every name the body uses
    source_inner: Ref | None = None  # `inner` (PassReturn) of a chain's source call


RefOf = Callable[[ast.expr], Ref]


def pass_on_inner(call: ast.Call, callee: Ref, ref_of: RefOf) -> Ref | None:
    """For a PASS_ON call, the function whose result it hands back: `f` in
    `maybeDeferred(f, ...)`, `g` in `ensureDeferred(g(...))` (None: not such a call, or the
    argument is not a plain reference, so nothing is known of it)."""
    if callee.qualified not in PASS_ON or not call.args:
        return None
    first = call.args[0]
    if callee.qualified.endswith(".ensureDeferred"):
        if not isinstance(first, ast.Call):
            return None
        first = first.func
    return ref_of(first) if isinstance(first, (ast.Name, ast.Attribute)) else None
ValueOf = Callable[[ast.expr], Value]
SpanOf = Callable[[ast.AST], Span]


_FRAMES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _children(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes` without the expression contexts (`Load`, `Store`, `Del`:
    nothing here asks for them), fields looked up once per node type. Every function's
    body is walked this way, so it is worth the few lines."""
    fields = _CHILD_FIELDS.get(type(node))
    if fields is None:
        fields = _CHILD_FIELDS[type(node)] = tuple(f for f in node._fields if f != "ctx")
    out: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            out.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def _own(node: ast.AST) -> list[ast.AST]:
    """The nodes of a function's own frame (not inside nested defs, lambdas or classes),
    in source order: each node, then its own descendants, then its next sibling."""
    out: list[ast.AST] = []
    stack = _children(node)[::-1]
    while stack:
        child = stack.pop()
        out.append(child)
        if not isinstance(child, _FRAMES):
            stack.extend(_children(child)[::-1])
    return out


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` (nested frames too), in no particular order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(_children(current))


def _safe_expr(node: ast.expr | None) -> bool:
    """An expression whose evaluation cannot raise in working code: names, constants,
    attribute reads of them, `a or b`, `x if c else y`, `not x`, displays of those."""
    if node is None:
        return True
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return _safe_expr(node.value)
    if isinstance(node, ast.BoolOp):
        return all(_safe_expr(v) for v in node.values)
    if isinstance(node, ast.IfExp):
        return all(_safe_expr(v) for v in (node.test, node.body, node.orelse))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _safe_expr(node.operand)
    if isinstance(node, ast.Compare) and all(
            isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)) for op in node.ops):
        return _safe_expr(node.left) and all(_safe_expr(c) for c in node.comparators)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_safe_expr(e) for e in node.elts)
    if isinstance(node, ast.Starred):
        return _safe_expr(node.value)
    if isinstance(node, ast.Lambda):
        return not node.args.defaults and not node.args.kw_defaults
    return False


def _safe_call(call: ast.Call) -> bool:
    return _safe_expr(call.func) and all(_safe_arg(a) for a in call.args) and all(
        _safe_arg(k.value) for k in call.keywords)


def _safe_arg(node: ast.expr) -> bool:
    """An argument that cannot raise: a safe expression, or an exception made from safe
    ones (`fail(Missing(key))`, by a capitalised class name)."""
    if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
        last = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        return last[:1].isupper() and last != "Failure" and _safe_call(node)
    return _safe_expr(node)


def _always_returns(stmts: list[ast.stmt]) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    return False


def _body(node: ast.FunctionDef) -> list[ast.stmt]:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _names(node: ast.AST) -> frozenset[str]:
    found: set[str] = set()
    for n in _walk(node):
        if isinstance(n, ast.Name):
            found.add(n.id)
        elif isinstance(n, ast.arg):
            found.add(n.arg)
    return frozenset(found)


def deferred_shape(node: ast.FunctionDef, source: str, ref_of: RefOf, value_of: ValueOf,
                   span_of: SpanOf) -> DeferredShape | None:
    """The shape of a plain function's Deferred handling, or None when it has neither."""
    own = _own(node)
    if any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)) for n in own):
        return None
    if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
           and n.func.attr in CHAIN_METHODS for n in own):
        return _chain(node, own, source, ref_of, value_of, span_of)
    returns = [n for n in own if isinstance(n, ast.Return)]
    if not returns or not all(isinstance(r.value, ast.Call) for r in returns):
        return None
    return _passthrough(node, own, returns, ref_of, span_of)


# -- pass-through ----------------------------------------------------------------------


def _passthrough(node: ast.FunctionDef, own: list[ast.AST], returns: list[ast.Return],
                 ref_of: RefOf, span_of: SpanOf) -> DeferredShape:
    problem: Problem = ""
    line = 0
    made: list[PassReturn] = []
    for ret in returns:
        call = ret.value
        assert isinstance(call, ast.Call)
        if not isinstance(call.func, (ast.Name, ast.Attribute)):
            return DeferredShape("passthrough", "fail-form", ret.lineno)
        callee = ref_of(call.func)
        form: Literal["call", "succeed", "fail"] = "call"
        arg: Span | None = None
        raisable = False
        if callee.qualified in (SUCCEED, FAIL):
            form = "succeed" if callee.qualified == SUCCEED else "fail"
            if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
                problem, line = problem or "fail-form", line or ret.lineno
            else:
                value = call.args[0]
                arg = span_of(value)
                named = value.func if isinstance(value, ast.Call) else None
                last = (named.id if isinstance(named, ast.Name) else named.attr
                        if isinstance(named, ast.Attribute) else "")
                if form == "succeed" and last == "Failure":
                    problem, line = problem or "succeed-failure", line or ret.lineno
                raisable = form == "fail" and bool(last) and last != "Failure" and (
                    last[:1].isupper())
        made.append(PassReturn(span_of(ret), span_of(call), form, callee, arg, raisable,
                               pass_on_inner(call, callee, ref_of)))
    if not _always_returns(_body(node)):
        problem, line = problem or "falls-through", line or node.lineno
    for n in own:
        if isinstance(n, (ast.Try, ast.With, ast.For, ast.While, ast.AsyncWith,
                          ast.AsyncFor)) and any(
                isinstance(r, ast.Return) for r in ast.walk(n)):
            problem, line = problem or "return-in-try", line or n.lineno
    safe = _sync_safe(_body(node))
    return DeferredShape("passthrough", problem, line, safe, tuple(made), names=_names(node))


def _sync_safe(stmts: list[ast.stmt]) -> bool:
    for stmt in stmts:
        if isinstance(stmt, ast.Return):
            value = stmt.value
            if not (isinstance(value, ast.Call) and _safe_call(value)):
                return False
        elif isinstance(stmt, ast.If):
            if not (_safe_expr(stmt.test) and _sync_safe(stmt.body)
                    and _sync_safe(stmt.orelse)):
                return False
        elif isinstance(stmt, ast.Pass):
            continue
        elif isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name)
                                                  for t in stmt.targets):
            if not _safe_expr(stmt.value):
                return False
        else:
            return False
    return True


# -- callback chains -------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, problem: Problem, line: int) -> None:
        super().__init__(problem)
        self.problem, self.line = problem, line


def _chain_calls(expr: ast.expr) -> tuple[ast.expr, list[ast.Call]]:
    """`f(x).addCallback(g).addErrback(h)` -> (`f(x)`, [the addCallback, the addErrback])."""
    calls: list[ast.Call] = []
    while (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
           and expr.func.attr in CHAIN_METHODS):
        calls.append(expr)
        expr = expr.func.value
    return expr, calls[::-1]


def _has_comment(source_lines: list[str], first: int, last: int) -> bool:
    text = "\n".join(source_lines[first - 1:last]) + "\n"
    try:
        return any(t.type == tokenize.COMMENT
                   for t in tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return True


def _chain(node: ast.FunctionDef, own: list[ast.AST], source: str, ref_of: RefOf,
           value_of: ValueOf, span_of: SpanOf) -> DeferredShape:
    try:
        return _straight_chain(node, own, source, ref_of, value_of, span_of)
    except _Refused as refused:
        return DeferredShape("chain", refused.problem, refused.line, names=_names(node))


def _straight_chain(node: ast.FunctionDef, own: list[ast.AST], source: str, ref_of: RefOf,
                    value_of: ValueOf, span_of: SpanOf) -> DeferredShape:
    body = _body(node)
    params = {a.arg for a in (node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                              + [x for x in (node.args.vararg, node.args.kwarg) if x])}
    # Every chain method call must sit in the straight-line tail the chain is made of.
    returns = [n for n in own if isinstance(n, ast.Return)]
    if not body or not isinstance(body[-1], ast.Return) or len(returns) != 1:
        line = returns[0].lineno if returns else node.lineno
        raise _Refused("chain-returned-early" if len(returns) > 1 else "chain-other", line)
    last = body[-1]
    assert isinstance(last, ast.Return)
    var = ""
    start = len(body) - 1
    steps_calls: list[ast.Call] = []
    source_call: ast.expr | None = None
    if isinstance(last.value, ast.Name):
        var = last.value.id
        # Walk back over `d.addX(...)` / `d = d.addX(...)` statements to `d = source`.
        index = len(body) - 2
        tail: list[list[ast.Call]] = []
        while index >= 0:
            stmt = body[index]
            if isinstance(stmt, ast.Expr):
                root, calls = _chain_calls(stmt.value)
                if calls and isinstance(root, ast.Name) and root.id == var:
                    tail.append(calls)
                    index -= 1
                    continue
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
                    stmt.targets[0], ast.Name) and stmt.targets[0].id == var:
                root, calls = _chain_calls(stmt.value)
                if calls and isinstance(root, ast.Name) and root.id == var:
                    tail.append(calls)
                    index -= 1
                    continue
                if isinstance(root, ast.Call):
                    source_call = root
                    tail.append(calls)
                    start = index
                    break
            break
        if source_call is None:
            raise _Refused(_misuse(own, var, params, body), _line_of(own, var, last))
        for calls in reversed(tail):
            steps_calls.extend(calls)
    elif isinstance(last.value, ast.Call):
        root, calls = _chain_calls(last.value)
        if not calls:
            raise _Refused("chain-other", last.lineno)
        if isinstance(root, ast.Name):
            # `d = source` just before `return d.addCallback(...)`.
            var = root.id
            prev = body[-2] if len(body) >= 2 else None
            if not (isinstance(prev, ast.Assign) and len(prev.targets) == 1
                    and isinstance(prev.targets[0], ast.Name) and prev.targets[0].id == var):
                raise _Refused(_misuse(own, var, params, body), last.lineno)
            root2, calls0 = _chain_calls(prev.value)
            if not isinstance(root2, ast.Call):
                raise _Refused("chain-other", prev.lineno)
            source_call, start = root2, len(body) - 2
            steps_calls = calls0 + calls
        elif isinstance(root, ast.Call):
            source_call = root
            steps_calls = calls
        else:
            raise _Refused("chain-foreign", last.lineno)
    else:
        raise _Refused("chain-other", last.lineno)
    if not isinstance(source_call, ast.Call):
        raise _Refused("chain-other", last.lineno)
    if not isinstance(source_call.func, (ast.Name, ast.Attribute)):
        raise _Refused("chain-other", source_call.lineno)
    if isinstance(source_call.func, ast.Attribute) and source_call.func.attr in CHAIN_METHODS:
        raise _Refused("chain-other", source_call.lineno)
    chain_stmts = body[start:]
    in_chain = {id(n) for s in chain_stmts for n in ast.walk(s)}
    for n in own:
        if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                and n.func.attr in CHAIN_METHODS and id(n) not in in_chain):
            raise _Refused("chain-conditional", n.lineno)
    if var:
        loads = [n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == var]
        allowed = 0
        for stmt in chain_stmts:
            for n in ast.walk(stmt):
                if isinstance(n, ast.Name) and n.id == var and _is_chain_use(stmt, n):
                    allowed += 1
        if var in params or len(loads) != allowed:
            raise _Refused(_misuse(own, var, params, body) if len(loads) != allowed
                           else "chain-foreign", _line_of(own, var, last))
        # The chain's own callables and arguments must not name `d` either.
    lines = source.splitlines()
    first = chain_stmts[0].lineno
    if _has_comment(lines, first, last.end_lineno or last.lineno):
        raise _Refused("chain-comments", first)
    steps = tuple(_step(call, ref_of, value_of, span_of, params, var) for call in steps_calls)
    prelude = body[:start]
    safe = _sync_safe_prelude(prelude) and _safe_call(source_call)
    source_ref = ref_of(source_call.func)
    return DeferredShape("chain", "", 0, safe, (), source_ref,
                         span_of(source_call), var, steps, first, _names(node),
                         pass_on_inner(source_call, source_ref, ref_of))


def _is_chain_use(stmt: ast.stmt, name: ast.Name) -> bool:
    """`d` as a chain statement may use it: the receiver of a chain method, the target of
    `d = ...`, or the returned name."""
    if isinstance(stmt, ast.Return) and stmt.value is name:
        return True
    if isinstance(stmt, ast.Assign) and name in stmt.targets:
        return True
    for n in ast.walk(stmt):
        if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                and n.func.attr in CHAIN_METHODS and n.func.value is name):
            return True
    return False


def _sync_safe_prelude(stmts: list[ast.stmt]) -> bool:
    for stmt in stmts:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
            if _safe_expr(stmt.value):
                continue
        return False
    return True


def _line_of(own: list[ast.AST], var: str, default: ast.stmt) -> int:
    for n in own:
        if isinstance(n, ast.Name) and n.id == var:
            return n.lineno
    return default.lineno


def _misuse(own: list[ast.AST], var: str, params: set[str], body: list[ast.stmt]) -> Problem:
    """Why `var` is not a straight-line chain's Deferred: the first thing done with it
    that a chain does not do."""
    if var in params:
        return "chain-foreign"
    for n in own:
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == var:
            if n.attr == "cancel":
                return "chain-cancelled"
            if n.attr in ("callback", "errback"):
                return "chain-fired"
    for n in own:
        if isinstance(n, ast.Call) and any(
                isinstance(a, ast.Name) and a.id == var
                for a in [*n.args, *(k.value for k in n.keywords)]):
            return "chain-passed"
        if isinstance(n, (ast.Assign, ast.AnnAssign)) and isinstance(n.value, ast.Name) \
                and n.value.id == var:
            return "chain-stored"
        if isinstance(n, (ast.List, ast.Tuple, ast.Dict, ast.Set)) and any(
                isinstance(e, ast.Name) and e.id == var for e in ast.walk(n)):
            return "chain-stored"
    returns = [n for n in own if isinstance(n, ast.Return)]
    if len(returns) > 1:
        return "chain-returned-early"
    for n in own:
        if isinstance(n, (ast.If, ast.For, ast.While, ast.Try, ast.With)) and any(
                isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
                and c.func.attr in CHAIN_METHODS for c in ast.walk(n)):
            return "chain-conditional"
    if any(isinstance(n, (ast.FunctionDef, ast.Lambda)) and any(
            isinstance(m, ast.Name) and m.id == var for m in ast.walk(n)) for n in own):
        return "chain-passed"
    return "chain-other"


def _stable(node: ast.expr, params: set[str]) -> bool:
    """Evaluated when the chain is built today, and when the value arrives after the
    rewrite: only expressions that give the same then and later qualify (constants, names,
    `self.method`-style lookups on a name)."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name) or (
            isinstance(node.value, ast.Attribute) and isinstance(node.value.value, ast.Name)
            and node.value.value.id not in params and node.value.value.id != "self")
    return False


def _handler(node: ast.expr, args: list[ast.expr], keywords: list[ast.keyword],
             ref_of: RefOf, value_of: ValueOf, span_of: SpanOf, params: set[str],
             var: str) -> Handler:
    if any(isinstance(a, ast.Starred) for a in args) or any(k.arg is None for k in keywords):
        raise _Refused("chain-arguments", node.lineno)
    for expr in [*args, *(k.value for k in keywords)]:
        if not isinstance(expr, (ast.Constant, ast.Name)):
            raise _Refused("chain-late-binding", expr.lineno)
    if any(isinstance(n, ast.Name) and n.id == var for n in ast.walk(node)):
        raise _Refused("chain-passed", node.lineno)
    arg_spans = tuple(span_of(a) for a in args)
    kw_spans = tuple((k.arg or "", span_of(k.value)) for k in keywords)
    if isinstance(node, ast.Lambda):
        a = node.args
        if a.defaults or a.kw_defaults:
            raise _Refused("chain-late-binding", node.lineno)
        simple = (len(a.args) == 1 and not a.posonlyargs and not a.vararg and not a.kwonlyargs
                  and not a.kwarg and not args and not keywords)
        if not simple:
            return Handler(span_of(node), args=arg_spans, kwargs=kw_spans)
        param = a.args[0].arg
        body = node.body
        nested = any(isinstance(n, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                                    ast.GeneratorExp, ast.NamedExpr)) for n in ast.walk(body))
        trap: tuple[str, ...] = ()
        if (isinstance(body, ast.Call) and isinstance(body.func, ast.Attribute)
                and body.func.attr == "trap" and isinstance(body.func.value, ast.Name)
                and body.func.value.id == param and len(body.args) == 1 and not body.keywords
                and isinstance(body.args[0], (ast.Name, ast.Attribute))
                and _stable(body.args[0], set())
                and not any(isinstance(n, ast.Name) and n.id == param
                            for n in ast.walk(body.args[0]))):
            trap = (ast.unparse(body.args[0]),)
        return Handler(span_of(node), None, param, span_of(body), value_of(body),
                       inlinable=not nested,
                       returns_param=isinstance(body, ast.Name) and body.id == param,
                       trap=trap)
    if not isinstance(node, (ast.Name, ast.Attribute)) or not _stable(node, params):
        raise _Refused("chain-late-binding", node.lineno)
    return Handler(span_of(node), ref_of(node), args=arg_spans, kwargs=kw_spans)


def _step(call: ast.Call, ref_of: RefOf, value_of: ValueOf, span_of: SpanOf,
          params: set[str], var: str) -> Step:
    assert isinstance(call.func, ast.Attribute)
    method = call.func.attr
    span = span_of(call)
    if method == "addCallbacks":
        errback: ast.expr | None = None
        if len(call.args) == 2 and not call.keywords:
            callback, errback = call.args
        elif len(call.args) == 1 and len(call.keywords) == 1 and call.keywords[0].arg == "errback":
            callback, errback = call.args[0], call.keywords[0].value
        else:
            raise _Refused("chain-arguments", call.lineno)
        return Step("addCallbacks", span,
                    _handler(callback, [], [], ref_of, value_of, span_of, params, var),
                    _handler(errback, [], [], ref_of, value_of, span_of, params, var))
    if not call.args or any(k.arg in ("callback", "errback") for k in call.keywords):
        raise _Refused("chain-arguments", call.lineno)
    handler = _handler(call.args[0], list(call.args[1:]), list(call.keywords), ref_of,
                       value_of, span_of, params, var)
    if method == "addCallback":
        return Step("addCallback", span, callback=handler)
    if method == "addErrback":
        return Step("addErrback", span, errback=handler)
    return Step("addBoth", span, callback=handler, errback=handler)
