"""The LibCST rewrite: inlineCallbacks functions to `async def`, callers wrapped.

Only nodes named by the plan are touched, so every other byte of the file survives as it was
(LibCST round-trips exactly). Positions from the `ast` facts are matched against LibCST's
PositionProvider, which uses the same character columns and also leaves parentheses out.
The result is compiled before it is accepted: a rewrite that does not compile is an error
reported to the user, never a file written.
"""

from __future__ import annotations

import builtins
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import chain, count

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider

from ..analysis.findings import ConvertFunction, FilePlan, Wrap, YieldAction
from ..analysis.model import (
    FunctionFact,
    GeneratorAlias,
    ModuleFacts,
    Span,
    child_qualname,
    star_exports,
)
from ..analysis.names import DEFER, GENERATOR_TYPES, INLINE_CALLBACKS, RETURN_VALUE
from ..analysis.reexports import STAR
from ..errors import reraise_interrupt
from ..lines import split_lines
from ..style import Style, style_for
from .chains import ChainWriter, capture_spans
from .formatter import format_changed
from .helpers import base_name, choose, identifiers, is_taken
from .imports import add_import, first_party, remove_unused, used_names
from .layout import tidy
from .region import Folded, fold

_ATOMS = (
    cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.Integer, cst.Float,
    cst.Imaginary, cst.ConcatenatedString, cst.FormattedString, cst.List, cst.Dict, cst.Set,
    cst.ListComp, cst.DictComp, cst.SetComp, cst.GeneratorExp, cst.Ellipsis,
)


class RewriteError(Exception):
    """The rewrite produced code that does not compile; nothing is written."""


class InternalRewriteError(RewriteError):
    """A bug in the rewrite itself, at the position of the original file it was working on
    when it failed (1:1 when nothing tells): the user can see which code to report."""

    def __init__(self, line: int, col: int, error: BaseException) -> None:
        # A SyntaxError's own text names a line of the rewritten code, which the user never
        # sees: its message alone, with the position in their file in front.
        text = error.msg if isinstance(error, SyntaxError) else str(error)
        super().__init__(f"{line}:{col}: internal error while rewriting: "
                         f"{type(error).__name__}: {text}")
        self.line, self.col = line, col


@dataclass
class RewriteResult:
    source: str
    converted: list[str] = field(default_factory=list)
    wraps: int = 0
    return_values: int = 0
    renamed: int = 0  # names respelled in place (`succeed` -> `fail`)


@dataclass
class _Accessor:
    """How this module spells `twisted.internet.defer.X`, and the import it may need."""

    prefix: str  # "defer." or "" (when names are imported directly)
    add_module_import: tuple[str, str] | None = None  # (module, name) for AddImportsVisitor
    direct: set[str] = field(default_factory=set)

    def expr(self, name: str) -> cst.BaseExpression:
        return cst.parse_expression(self.prefix + name if name not in self.direct else name)


def choose_accessor(facts: ModuleFacts) -> _Accessor:
    # Only names bound when the module runs (not under TYPE_CHECKING, not in a function).
    runtime = {local: q for local, q in facts.imports.items() if local in facts.runtime_imports}
    module_alias = [local for local, q in runtime.items() if q == DEFER]
    if module_alias:
        return _Accessor(min(module_alias, key=len) + ".")
    if runtime.get("twisted") == "twisted" and "twisted.internet.defer" in facts.imported_modules:
        return _Accessor("twisted.internet.defer.")
    direct = {local for local, q in runtime.items()
              if q in (f"{DEFER}.ensureDeferred", f"{DEFER}.maybeDeferred")
              and local == q.rsplit(".", 1)[1]}
    # `defer` free, unless a star import may bind it: importing it then would give the
    # module's own `@defer.inlineCallbacks` a meaning it did not have (the next run would
    # convert what this one could not read: fix twice != fix once), and a star import
    # after the new line could rebind it.
    if "defer" not in facts.module_names and (
            facts.imports.get("defer") == DEFER
            or ("defer" not in facts.imports and not facts.star_imports)):
        return _Accessor("defer.", ("twisted.internet", "defer"), direct)
    return _Accessor("_txasync_defer.", ("twisted.internet", "defer as _txasync_defer"), direct)


def _key(span: Span) -> tuple[int, int, int, int]:
    """A span as the converter's `_pos` gives a node's position, to look edits up by."""
    return (span.line, span.col, span.end_line, span.end_col)


def _needs_parens(expr: cst.BaseExpression) -> bool:
    if getattr(expr, "lpar", None):
        return False
    return not isinstance(expr, _ATOMS)


def _parenthesize(expr: cst.BaseExpression) -> cst.BaseExpression:
    return _parenthesize_always(expr) if _needs_parens(expr) else expr


def _strip_parens(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.with_changes(lpar=[], rpar=[])


# Zero-argument calls that read the scope they are written in: `super()` finds the method's
# first argument and class, `locals()`, `vars()` and `dir()` list the current scope's names.
_SCOPE_CALLS = frozenset({"super", "locals", "vars", "dir"})


def _needs_own_scope(expr: cst.BaseExpression) -> bool:
    """Whether `expr` must be evaluated in the function it is written in, not in a
    `lambda: expr` of its own: an `await` (a yield inside the yield, `yield (yield d).x`) is
    a syntax error in a lambda, `x := ...` would bind `x` in the lambda and leave the
    function's `x` unbound, and `super()` in a lambda has no first argument to find (a
    RuntimeError when it runs). See docs/twisted-semantics.md, "What `await` accepts"."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Await, cst.NamedExpr, cst.Yield)):
            return True
        if (isinstance(node, cst.Call) and not node.args and isinstance(node.func, cst.Name)
                and node.func.value in _SCOPE_CALLS):
            return True
        stack.extend(node.children)
    return False


def _thunk(body: cst.BaseExpression) -> cst.Lambda:
    """What `maybeDeferred` calls to get `body`'s value: `lambda: body`, or, where `body`
    must be evaluated in the function itself (`_needs_own_scope`), `lambda value=body:
    value`, whose default is evaluated where the lambda is written, at once, as the lambda
    it is handed to would call it at once. An exception while evaluating it is raised in
    the function either way (the `await` of the failed Deferred raises it, as the `yield`
    or the `succeed(...)` call did)."""
    if not _needs_own_scope(body):
        return cst.Lambda(cst.Parameters(), body)
    no_space = cst.SimpleWhitespace("")
    param = cst.Param(cst.Name("value"), default=_parenthesize(body),
                      equal=cst.AssignEqual(whitespace_before=no_space,
                                            whitespace_after=no_space))
    return cst.Lambda(cst.Parameters(params=[param]), cst.Name("value"))


def _plain_parens(expr: cst.BaseExpression) -> bool:
    """Whether `expr`'s brackets hold only spaces (no line break, no comment), so that
    dropping them loses nothing."""
    lpar = getattr(expr, "lpar", ())
    rpar = getattr(expr, "rpar", ())
    return bool(lpar) and all(isinstance(p.whitespace_after, cst.SimpleWhitespace)
                              for p in lpar) and all(
        isinstance(p.whitespace_before, cst.SimpleWhitespace) for p in rpar)


def _unwrap_generator_annotation(annotation: cst.BaseExpression,
                                 generator_names: set[str], deferred_names: set[str],
                                 aliases: Mapping[str, GeneratorAlias] | None = None,
                                 any_name: str | None = None) -> cst.BaseExpression | None:
    """`Generator[Deferred[Any], Any, T]` -> `T`; `Deferred[T]` -> `T`; the project's
    own alias of Generator, `InlineCallbacksType[T]` -> `T` (None: leave it)."""
    aliases = aliases or {}
    if isinstance(annotation, cst.SimpleString):
        inner_text = annotation.evaluated_value
        if not isinstance(inner_text, str):
            return None
        try:
            inner = cst.parse_expression(inner_text)
        except cst.ParserSyntaxError:
            return None
        result = _unwrap_generator_annotation(inner, generator_names, deferred_names, aliases,
                                              any_name)
        if result is None:
            return None
        code = cst.Module([]).code_for_node(result)
        quote = annotation.quote
        return cst.SimpleString(f"{annotation.prefix}{quote}{code}{quote}")
    if not isinstance(annotation, cst.Subscript):
        alias = aliases.get(cst.Module([]).code_for_node(annotation))
        if alias is None:
            return None
        # A generic alias written bare has `Any` for each parameter (PEP 484).
        return _alias_returns(alias, [cst.parse_expression(any_name)] * len(alias.params)
                              if any_name and alias.params else [])
    head = cst.Module([]).code_for_node(annotation.value)
    elements = annotation.slice
    if head in aliases:
        args = [e.slice.value for e in elements if isinstance(e.slice, cst.Index)]
        return _alias_returns(aliases[head], args) if len(args) == len(elements) else None
    if head in generator_names and len(elements) == 3:
        index = elements[2].slice
        if isinstance(index, cst.Index):
            return _strip_parens(index.value) if not isinstance(index.value, cst.Tuple) else None
    if head in deferred_names and len(elements) == 1:
        index = elements[0].slice
        if isinstance(index, cst.Index):
            return index.value
    return None


_BUILTIN_NAMES = frozenset(dir(builtins))


def _alias_returns(alias: GeneratorAlias, args: list[cst.BaseExpression]
                   ) -> cst.BaseExpression | None:
    """The return type an alias of Generator gives with these type arguments: its
    parameters replaced by them. None when the arguments do not match the parameters, or
    when the result would name something of the alias's module (a name this module may not
    bind) rather than only the arguments and builtins."""
    if len(args) != len(alias.params):
        return None
    try:
        returns = cst.parse_expression(alias.returns)
    except cst.ParserSyntaxError:
        return None
    values = dict(zip(alias.params, args, strict=True))
    if isinstance(returns, cst.Name) and returns.value in values:
        return _strip_parens(values[returns.value])
    names = {n.value for n in m.findall(returns, m.Name())
             if isinstance(n, cst.Name)}
    if not names <= set(values) | _BUILTIN_NAMES:
        return None

    class _Substitute(cst.CSTTransformer):
        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
            return values.get(updated.value, updated)

    result = returns.visit(_Substitute())
    return result if isinstance(result, cst.BaseExpression) else None


def _inert(expr: cst.BaseExpression) -> bool:
    """An expression whose evaluation does nothing observable (safe to delete)."""
    if isinstance(expr, (cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString,
                         cst.Ellipsis)):
        return True
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return all(_inert(e.value) for e in expr.elements if isinstance(e, cst.Element))
    return False


def _simple(ws: cst.BaseParenthesizableWhitespace | cst.MaybeSentinel) -> bool:
    """Whitespace on one line without a comment (a backslash continuation at most): dropping
    it loses nothing the user wrote."""
    return not isinstance(ws, cst.ParenthesizedWhitespace)


def _stands_alone(expr: cst.BaseExpression) -> bool:
    """Whether `expr`'s text is an expression on its own, outside the brackets it sat in.

    Inside a call's parentheses an argument may break lines anywhere (`x\\n and y`); out of
    them those breaks end the statement. Compiling the text is the one check that covers
    every node kind, comments and continuation lines included."""
    code = cst.Module([]).code_for_node(expr)
    if "\n" not in code and "\r" not in code:
        return True
    try:
        compile(code, "<expression>", "eval", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _returned(call: cst.Call, arg: cst.Arg) -> cst.BaseExpression:
    """The value of `return` for `returnValue(arg)`, keeping what stood inside the call.

    The call's parentheses held the argument's line breaks and any comments around it; when
    there are such, they become the parentheses of the returned value, which also keeps its
    meaning (`returnValue(x,)` returns `x`, not a tuple: the comma is dropped)."""
    value = arg.value
    after = arg.whitespace_after_arg
    comma = arg.comma
    comma_ws: cst.BaseParenthesizableWhitespace | cst.MaybeSentinel = cst.MaybeSentinel.DEFAULT
    if isinstance(comma, cst.Comma):
        if not _simple(comma.whitespace_before):
            after = comma.whitespace_before if _simple(after) else after
        comma_ws = comma.whitespace_after
    around = [call.whitespace_before_args, after, comma_ws]
    if all(_simple(ws) for ws in around if not isinstance(ws, cst.MaybeSentinel)):
        return value if _stands_alone(value) else _parenthesize_always(value)
    closing = after
    if isinstance(comma_ws, cst.BaseParenthesizableWhitespace) and not _simple(comma_ws):
        if not _simple(after):  # comments both before and after the comma: keep both
            value = _parenthesize_always(value, after)
        closing = comma_ws
    return value.with_changes(
        lpar=[cst.LeftParen(whitespace_after=call.whitespace_before_args),
              *getattr(value, "lpar", [])],
        rpar=[*getattr(value, "rpar", []), cst.RightParen(whitespace_before=closing)])


def _parenthesize_always(expr: cst.BaseExpression,
                         closing: cst.BaseParenthesizableWhitespace | None = None
                         ) -> cst.BaseExpression:
    close = cst.RightParen() if closing is None else cst.RightParen(whitespace_before=closing)
    return expr.with_changes(lpar=[cst.LeftParen(), *getattr(expr, "lpar", [])],
                             rpar=[*getattr(expr, "rpar", []), close])


def _without_defaults(params: cst.Parameters) -> cst.Parameters:
    """A keep-API helper's parameters: the wrapper, its one caller, passes every one, so
    the defaults would be dead text there (a second copy of a long default, evaluated a
    second time when the class is made); the wrapper keeps them, and the comments.

    One default stays: `None` beside an annotation. A project still written for implicit
    Optional (`note: str = None`) would otherwise get `note: str`, which its type checker
    reads as a different, narrower type."""
    def implicit_optional(param: cst.Param) -> bool:
        if param.annotation is None or not (isinstance(param.default, cst.Name)
                                            and param.default.value == "None"):
            return False
        written = cst.Module([]).code_for_node(param.annotation.annotation)
        # `str | None`, `Optional[str]`, `Any`: the annotation admits None already.
        return not re.search(r"\b(None|Optional|Any|object)\b", written)

    def bare(param: cst.Param) -> cst.Param:
        if param.default is None or implicit_optional(param):
            return param
        return param.with_changes(default=None, equal=cst.MaybeSentinel.DEFAULT)

    # A positional parameter after one that keeps its default must keep its own too.
    positional = [*params.posonly_params, *params.params]
    kept = next((i for i, p in enumerate(positional) if implicit_optional(p)), len(positional))
    done = [bare(p) if i < kept else p for i, p in enumerate(positional)]
    return params.with_changes(
        posonly_params=done[:len(params.posonly_params)],
        params=done[len(params.posonly_params):],
        kwonly_params=[bare(p) for p in params.kwonly_params])


def _has_comment(node: cst.CSTNode) -> bool:
    """A comment inside an expression (a multi-line display): deleting it would lose it."""
    return bool(m.findall(node, m.Comment()))


def _root_name(expr: cst.BaseExpression) -> str:
    while isinstance(expr, (cst.Attribute, cst.Call, cst.Subscript)):
        expr = expr.value if not isinstance(expr, cst.Call) else expr.func
    return expr.value if isinstance(expr, cst.Name) else ""


def _generator_head(annotation: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(annotation, cst.SimpleString):
        try:
            annotation = cst.parse_expression(str(annotation.evaluated_value))
        except cst.ParserSyntaxError:
            return annotation
    return annotation.value if isinstance(annotation, cst.Subscript) else annotation


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Expr)
            and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def _decorator_text(decorator: cst.Decorator) -> str:
    return cst.Module([]).code_for_node(decorator.decorator)


def updated_returns(fn: FunctionFact, returns: cst.Annotation | None,
                    generator_names: set[str], deferred: str, helper: cst.Annotation | None,
                    postponed: bool) -> cst.Annotation | None:
    """The keep-API wrapper's return annotation. A `Deferred[...]` one stays; a
    `Generator[..., ..., T]` one becomes `Deferred[T]` (T as the helper now declares it),
    which is what the wrapper returns: written as a string unless annotations are postponed
    (`Deferred` is subscriptable at run time only on newer Twisted). Another (an alias txasync
    cannot read) has no meaning on the wrapper and is dropped."""
    if returns is None or not fn.returns_annotation:
        return None
    head = cst.Module([]).code_for_node(_generator_head(returns.annotation))
    if helper is not None and cst.Module([]).code_for_node(helper.annotation) == (
            cst.Module([]).code_for_node(returns.annotation)):
        helper = None  # the helper keeps the annotation: its return type is not known
    if head in generator_names and helper is not None:
        value = cst.Module([]).code_for_node(helper.annotation)
        if isinstance(helper.annotation, cst.SimpleString):
            value = str(helper.annotation.evaluated_value)
        text = f"{deferred}[{value}]"
        if postponed and not isinstance(returns.annotation, cst.SimpleString):
            return returns.with_changes(annotation=cst.parse_expression(text))
        quote = "'" if '"' in text else '"'
        return returns.with_changes(annotation=cst.SimpleString(f"{quote}{text}{quote}"))
    return returns if "Deferred" in fn.returns_annotation else None


class _Converter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, plan: FilePlan, facts: ModuleFacts, accessor: _Accessor,
                 source: str = "", aliases: Mapping[str, GeneratorAlias] | None = None
                 ) -> None:
        super().__init__()
        self.source = source
        self.aliases = dict(aliases or {})
        self.helpers: list[tuple[str, str]] = []  # (class qualname or "", helper) made here
        self.plan = plan
        self.facts = facts
        self.accessor = accessor
        self.convert: dict[str, ConvertFunction] = {c.qualname: c for c in plan.convert}
        self.fn_facts = {f.qualname: f for f in facts.functions if f.qualname in self.convert}
        self.call_wraps: dict[tuple[int, int, int, int], Wrap] = {}
        self.ref_wraps: dict[tuple[int, int, int, int], Wrap] = {}
        self.aware_wraps: dict[tuple[int, int, int, int], Wrap] = {}
        for wrap in plan.wraps:
            key = _key(wrap.span)
            {"call": self.call_wraps, "callback": self.ref_wraps,
             "aware": self.aware_wraps}[wrap.kind][key] = wrap
        self.defs: list[cst.FunctionDef] = []  # the enclosing defs, innermost last
        self.needs_inspect = False
        self.renames: dict[tuple[int, int, int, int], str] = {
            _key(s): name for s, name in plan.renames}
        self.renamed = 0
        self.lambdas: set[tuple[int, int, int, int]] = {
            _key(s) for s in plan.lambdas}
        self.needs_imports: set[str] = set()  # qualified names to import by name
        self.return_value_positions: set[tuple[int, int]] = {
            (s.line, s.col) for s in plan.return_values}
        for fn in self.fn_facts.values():
            for rv in fn.return_values:
                self.return_value_positions.add((rv.span.line, rv.span.col))
        self.call_form_lines: set[int] = {
            f.ic_call_span.line for f in self.fn_facts.values() if f.ic_call_span is not None}
        self.generator_names = {local for local, q in facts.imports.items()
                                if q in GENERATOR_TYPES} | {
            local + ".Generator" for local, q in facts.imports.items()
            if q in ("typing", "collections.abc")}
        self.deferred_names = {local for local, q in facts.imports.items()
                               if q == f"{DEFER}.Deferred"} | {
            local + ".Deferred" for local, q in facts.imports.items() if q == DEFER}
        self.postponed_annotations = facts.imports.get("annotations") == "__future__.annotations"
        # scope stack: (kind, qualname); kind in module/class/def/lambda
        self.stack: list[tuple[str, str]] = [("module", "")]
        self.converted: list[str] = []
        self.wrapped = 0
        self.return_values_fixed = 0
        self.needs_defer = False
        self.needs_not_done_yet = False
        self.needs_pytest_twisted = False
        # Local names whose uses this rewrite removed (`defer` of `@defer.inlineCallbacks`):
        # only their imports may be tidied away, never an import the user left unused.
        self.removed_roots: set[str] = set()
        self.annotations_changed = False
        self.at: tuple[int, int] | None = None  # 1-based line and column of the latest node
        # Callback chains: the updated nodes of the expressions their new bodies
        # are written from, by position.
        self.capture: set[tuple[int, int, int, int]] = set()
        for fn in self.fn_facts.values():
            if self.convert[fn.qualname].shape is not None:
                self.capture |= {_key(s) for s in capture_spans(fn)}
        self.captured: dict[tuple[int, int, int, int], cst.CSTNode] = {}
        # The lines of the text parsed (positions point into it), to see what touches a
        # yield's brackets; the `await`s made without them, and those brackets, until the
        # node holding one shows whether the grammar needs them after all.
        self.parsed_lines: list[str] = []
        self.bare_awaits: dict[int, tuple[cst.Await, cst.Await]] = {}

    # -- where it is, for error messages ---------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        self._note_position(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNodeT, updated_node: cst.CSTNodeT
                 ) -> cst.CSTNodeT | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNodeT]:
        self._note_position(original_node)
        if self.bare_awaits:
            updated_node = self._restore_brackets(updated_node)
        result = super().on_leave(original_node, updated_node)
        if self.capture and isinstance(result, cst.CSTNode):
            pos = self._pos(original_node) if isinstance(
                original_node, cst.BaseExpression) else None
            if pos in self.capture:
                self.captured[pos] = result
        if (self.lambdas and isinstance(result, cst.BaseExpression)
                and self._pos(original_node) in self.lambdas):
            self.lambdas.discard(self._pos(original_node))
            return _thunk(result)  # type: ignore[return-value]
        return result

    def _restore_brackets(self, node: cst.CSTNodeT) -> cst.CSTNodeT:
        """`node` with its `await` child bracketed again where the grammar needs it: the
        object of `.attr`, `[i]` or a call (`(await x).attr` is not `await x.attr`), the
        operand of another `await`, a decorator (before Python 3.9), and an f-string's
        `{(await x)=}`, whose text is what it shows."""
        field = None
        if isinstance(node, (cst.Attribute, cst.Subscript)):
            field = "value"
        elif isinstance(node, cst.Call):
            field = "func"
        elif isinstance(node, cst.Await):
            field = "expression"
        elif isinstance(node, cst.Decorator):
            field = "decorator"
        elif isinstance(node, cst.FormattedStringExpression) and node.equal:
            field = "expression"
        elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Power):
            field = "left"  # `await d ** 2` is `(await d) ** 2`, but hardly reads so
        child = getattr(node, field) if field else None
        pair = self.bare_awaits.get(id(child)) if child is not None else None
        if field is None or pair is None or pair[1] is not child:
            return node
        return node.with_changes(**{field: pair[0]})

    def _bare(self, bracketed: cst.Await, original: cst.Yield) -> cst.Await:
        """`await x` for `(yield x)`'s `(await x)`, its brackets kept only where the grammar
        needs them (`_restore_brackets`): `await` binds tighter than any operator, so
        `x = await d`, `f(await d)`, `1 + await d`, `not await d`, `await d in xs` all
        read as the brackets did (`**(yield kw)` too). Kept when they hold a line break or a
        comment, or touch a word (`not(yield d)`)."""
        if len(bracketed.lpar) != 1 or not self.parsed_lines:
            return bracketed
        inside = (bracketed.lpar[0].whitespace_after, bracketed.rpar[0].whitespace_before)
        if not all(isinstance(ws, cst.SimpleWhitespace) and not ws.value for ws in inside):
            return bracketed
        line, col, end_line, end_col = self._pos(original)
        if line != end_line or not 0 < line <= len(self.parsed_lines):
            return bracketed
        text = self.parsed_lines[line - 1].rstrip("\r\n")
        # The yield's position is inside its brackets, which hold no space here.
        if col < 1 or text[col - 1:col] != "(" or text[end_col:end_col + 1] != ")":
            return bracketed
        before = text[col - 2:col - 1] if col > 1 else " "
        after = text[end_col + 1:end_col + 2] or " "
        if before not in " \t([{,=:*+-/%<>|&^~!" or after not in " \t)]},:;*+-/%<>|&^=!":
            return bracketed
        bare = bracketed.with_changes(lpar=[], rpar=[])
        if "\n" in cst.Module([]).code_for_node(bare):
            return bracketed
        self.bare_awaits[id(bare)] = (bracketed, bare)
        return bare

    def _note_position(self, node: cst.CSTNode) -> None:
        rng = self.get_metadata(PositionProvider, node, None)
        if rng is not None:
            self.at = (rng.start.line, rng.start.column + 1)

    # -- scopes --------------------------------------------------------------------------
    def _qualname(self, name: str) -> str:
        kind, parent = self.stack[-1]
        return child_qualname(kind, parent, name)

    def _pos(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        rng = self.get_metadata(PositionProvider, node)
        return (rng.start.line, rng.start.column, rng.end.line, rng.end.column)

    def _own_converting(self) -> ConvertFunction | None:
        kind, qualname = self.stack[-1]
        if kind == "def":
            return self.convert.get(qualname)
        return None

    # A new frame starts at the body: decorators, default values, annotations and class bases
    # run in the enclosing one, so their yields are the enclosing function's own.
    def visit_ClassDef_body(self, node: cst.ClassDef) -> None:
        self.stack.append(("class", self._qualname(node.name.value)))

    def leave_ClassDef_body(self, node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.stack.append(("def", self._qualname(node.name.value)))
        self.defs.append(node)

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.stack.pop()
        self.defs.pop()

    def visit_Lambda_body(self, node: cst.Lambda) -> None:
        self.stack.append(("lambda", self.stack[-1][1]))

    def leave_Lambda_body(self, node: cst.Lambda) -> None:
        self.stack.pop()

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef
                          ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        qualname = self._qualname(original.name.value)
        plan = self.convert.get(qualname)
        fn = self.fn_facts.get(qualname)
        if plan is None or fn is None:
            return updated
        decorators = list(updated.decorators)
        lines_after = updated.lines_after_decorators
        leading = updated.leading_lines
        if fn.ic_form == "decorator" and 0 <= fn.ic_index < len(decorators):
            removed = decorators[fn.ic_index]
            self.removed_roots.add(_root_name(removed.decorator))
            if fn.ic_kind == "pytest_twisted":
                text = cst.Module([]).code_for_node(removed.decorator)
                if "." in text:
                    new_deco = cst.parse_expression(text.rsplit(".", 1)[0] + ".ensureDeferred")
                else:  # `from pytest_twisted import inlineCallbacks`: use the module
                    new_deco = cst.parse_expression("pytest_twisted.ensureDeferred")
                    self.needs_pytest_twisted = True
                decorators[fn.ic_index] = removed.with_changes(decorator=new_deco)
            else:
                del decorators[fn.ic_index]
                # Comments above and after the removed decorator stay where they were.
                kept = list(removed.leading_lines)
                comment = removed.trailing_whitespace.comment
                if comment is not None:
                    kept.append(cst.EmptyLine(indent=True, comment=comment))
                if fn.ic_index < len(decorators):
                    nxt = decorators[fn.ic_index]
                    decorators[fn.ic_index] = nxt.with_changes(
                        leading_lines=kept + list(nxt.leading_lines))
                else:
                    lines_after = kept + list(lines_after)
        changes: dict[str, object] = {
            "decorators": decorators,
            "lines_after_decorators": lines_after,
            "leading_lines": leading,
            "asynchronous": cst.Asynchronous(),
        }
        if updated.returns is not None:
            new_ann = _unwrap_generator_annotation(
                updated.returns.annotation, self.generator_names, self.deferred_names,
                self.aliases, self._any_name())
            if new_ann is not None:
                changes["returns"] = updated.returns.with_changes(annotation=new_ann)
                self.removed_roots.add(_root_name(_generator_head(updated.returns.annotation)))
        self.converted.append(qualname)
        converted = updated.with_changes(**changes)
        if plan.shape is not None and plan.shape.kind == "chain":
            converted = self._chain_body(fn, original, converted)
        if plan.keep_api:
            return self._keep_api(fn, converted, decorators, updated.returns)
        return converted

    def _chain_body(self, fn: FunctionFact, original: cst.FunctionDef,
                    converted: cst.FunctionDef) -> cst.FunctionDef:
        """A callback chain's statements replaced by their `await` form."""
        shape, plan = fn.shape, self.convert[fn.qualname].shape
        assert shape is not None and isinstance(converted.body, cst.IndentedBlock)
        index = next((i for i, stmt in enumerate(original.body.body)
                      if self._pos(stmt)[0] == shape.first_line), None)
        if index is None:
            raise RewriteError(f"{fn.name_span.line}:{fn.name_span.col + 1}: the chain of "
                               f"{fn.qualname} was not found; file left unchanged, please "
                               "report this")
        self.needs_defer = True
        nodes = {Span(*k): v for k, v in self.captured.items()}
        writer = ChainWriter(shape, plan.forms, plan.result, nodes,
                             lambda n: cst.Module([]).code_for_node(n),
                             cst.Module([]).code_for_node(self.accessor.expr("maybeDeferred")),
                             self._failure_name)
        text = writer.statements()
        new = list(cst.parse_module(text).body)
        body = list(converted.body.body)
        first = body[index]
        if isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and new:
            new[0] = new[0].with_changes(leading_lines=first.leading_lines)
        return converted.with_changes(
            body=converted.body.with_changes(body=[*body[:index], *new]))

    def _failure_name(self) -> str:
        """How this module names `twisted.python.failure.Failure` (imported if need be)."""
        for local, qualified in self.facts.imports.items():
            if qualified == "twisted.python.failure.Failure" and local in (
                    self.facts.runtime_imports):
                return local
        for local, qualified in self.facts.imports.items():
            if qualified == "twisted.python.failure" and local in self.facts.runtime_imports:
                return f"{local}.Failure"
        if "Failure" in self.facts.module_names:
            raise RewriteError("1:1: `Failure` names something else in this module; "
                               "file left unchanged")
        self.needs_imports.add("twisted.python.failure.Failure")
        return "Failure"

    def leave_Return(self, original: cst.Return, updated: cst.Return
                     ) -> cst.BaseSmallStatement:
        plan = self._own_converting()
        if plan is None or plan.shape is None or plan.shape.kind != "passthrough":
            return updated
        fn = self.fn_facts.get(self.stack[-1][1])
        if fn is None or fn.shape is None or original.value is None:
            return updated
        pos = self._pos(original.value)
        found = next((r for r in fn.shape.returns if _key(r.call) == pos), None)
        value = updated.value
        if found is None or not isinstance(value, cst.Call):
            return updated
        if found.form == "succeed" and found.call in plan.shape.awaited:
            return updated.with_changes(value=cst.Await(value))  # respelled maybeDeferred
        if found.form == "succeed" or (found.form == "fail" and found.raisable):
            arg = value.args[0].value
            if not _stands_alone(arg):
                arg = _parenthesize_always(arg)
            self.removed_roots.add(_root_name(value.func))
            if found.form == "succeed":
                return updated.with_changes(value=arg)
            return cst.Raise(exc=arg, semicolon=updated.semicolon)
        return updated.with_changes(value=cst.Await(value))

    def _any_name(self) -> str | None:
        """How this module spells `typing.Any` (None when it does not bind it)."""
        names = sorted(local for local, q in self.facts.imports.items()
                       if q in ("typing.Any", "typing_extensions.Any"))
        if names:
            return names[0]
        return next((f"{local}.Any" for local, q in sorted(self.facts.imports.items())
                     if q == "typing"), None)

    def _deferred_name(self) -> str:
        """How this module spells `Deferred` in an annotation: a name it already binds to
        it (`Deferred`, `defer.Deferred`), else through the `defer` accessor."""
        direct = sorted(n for n in self.deferred_names if "." not in n)
        if direct:
            return direct[0]
        self.needs_defer = True
        return cst.Module([]).code_for_node(self.accessor.expr("Deferred"))

    def _not_done_yet(self) -> str:
        for local, qualified in self.facts.imports.items():
            if qualified == "twisted.web.server.NOT_DONE_YET":
                return local
            if qualified == "twisted.web.server":
                return f"{local}.NOT_DONE_YET"
        self.needs_not_done_yet = True
        return "NOT_DONE_YET"

    def _helper_name(self, fn: FunctionFact) -> str:
        """The engine's name for the helper (chosen across the run, see rewrite/helpers.py),
        checked again against this file and this rewrite's other helpers; without one (a
        plan made by hand), the first free name as this file alone shows it."""
        names = identifiers(self.source) | self.facts.module_names
        scope = fn.class_qualname
        # Helpers of other classes here are mangled with their own class names; the engine
        # has already kept apart those of one hierarchy.
        others = [(owner, name) for owner, name in self.helpers if owner == scope]
        planned = self.convert[fn.qualname].helper
        if planned and not is_taken(planned, scope, names, others):
            name = planned
        elif planned:
            raise RewriteError(f"{fn.name_span.line}:{fn.name_span.col + 1}: the helper name "
                               f"{planned!r} planned for {fn.qualname} is already used here; "
                               "file left unchanged, please report this")
        else:
            name = choose(base_name(fn), scope, names, others)
        self.helpers.append((scope, name))
        return name

    def _keep_api(self, fn: FunctionFact, converted: cst.FunctionDef,
                  decorators: list[cst.Decorator], original_returns: cst.Annotation | None
                  ) -> cst.FlattenSentinel[cst.BaseStatement]:
        """`name` stays a plain function returning a started Deferred; the body moves to
        an `async def` helper. Callers see exactly what they saw before."""
        self.needs_defer = True
        helper = self._helper_name(fn)
        params = converted.params
        positional = list(params.posonly_params) + list(params.params)
        receiver = ""
        if fn.class_qualname and not fn.is_staticmethod and positional:
            receiver = positional[0].name.value + "."
            positional = positional[1:]
        elif fn.class_qualname:
            # The class as the method body can name it: a class made inside a function is
            # that function's local, which the method's body sees as a closure variable.
            receiver = fn.class_qualname.rsplit(".<locals>.", 1)[-1] + "."
        args = [p.name.value for p in positional]
        if isinstance(params.star_arg, cst.Param):
            args.append("*" + params.star_arg.name.value)
        args += [f"{p.name.value}={p.name.value}" for p in params.kwonly_params]
        if params.star_kwarg is not None:
            args.append("**" + params.star_kwarg.name.value)
        ensure = cst.Module([]).code_for_node(self.accessor.expr("ensureDeferred"))
        call = f"{ensure}({receiver}{helper}({', '.join(args)}))"
        if self.convert[fn.qualname].not_done_yet:
            wrapper = cst.parse_statement(
                f"def {fn.name}():\n    {call}\n    return {self._not_done_yet()}\n")
        else:
            wrapper = cst.parse_statement(f"def {fn.name}():\n    return {call}\n")
        assert isinstance(wrapper, cst.FunctionDef)
        body = list(converted.body.body) if isinstance(converted.body, cst.IndentedBlock) else []
        helper_body = converted.body
        wrapper_body = wrapper.body
        if body and _is_docstring(body[0]) and isinstance(converted.body, cst.IndentedBlock):
            assert isinstance(wrapper.body, cst.IndentedBlock)
            wrapper_body = wrapper.body.with_changes(body=[body[0], *wrapper.body.body])
            rest = body[1:] or [cst.SimpleStatementLine([cst.Pass()])]
            helper_body = converted.body.with_changes(body=rest)
        public = wrapper.with_changes(
            params=params, whitespace_before_params=converted.whitespace_before_params,
            decorators=decorators, leading_lines=converted.leading_lines,
            lines_after_decorators=converted.lines_after_decorators, body=wrapper_body,
            returns=updated_returns(
                fn, original_returns, self.generator_names | set(self.aliases),
                self._deferred_name(),
                converted.returns, self.postponed_annotations))
        kept = [d for d in decorators if _decorator_text(d) in ("staticmethod", "classmethod")]
        private = converted.with_changes(
            name=cst.Name(helper), decorators=kept, body=helper_body,
            params=_without_defaults(params),
            leading_lines=[cst.EmptyLine(indent=False)] * (1 if "." in fn.qualname else 2),
            lines_after_decorators=[])
        return cst.FlattenSentinel([public, private])

    # -- yields --------------------------------------------------------------------------
    def _yield_action(self, original: cst.Yield) -> YieldAction | None:
        plan = self._own_converting()
        if plan is None:
            return None
        pos = self._pos(original)
        return plan.yields.get((pos[0], pos[1]), "maybe")

    def leave_Yield(self, original: cst.Yield, updated: cst.Yield) -> cst.BaseExpression:
        action = self._yield_action(original)
        if action is None:
            return updated
        value = updated.value
        if isinstance(value, cst.From):  # refused earlier; never converted
            return updated
        if action == "drop" or value is None:
            replacement: cst.BaseExpression = value if value is not None else cst.Name("None")
            if updated.lpar:
                replacement = replacement.with_changes(
                    lpar=list(updated.lpar) + list(getattr(replacement, "lpar", [])),
                    rpar=list(getattr(replacement, "rpar", [])) + list(updated.rpar))
            return replacement
        if action == "maybe":
            self.needs_defer = True
            maybe = self.accessor.expr("maybeDeferred")
            facts_value = None
            if (isinstance(value, cst.Call) and _plain_parens(value)
                    and _needs_own_scope(value)):
                # `yield ((yield q).get(5))`: the call form evaluates the callee and its
                # arguments here, where the inner `await` may stand.
                value = _strip_parens(value)
            if isinstance(value, cst.Call) and not value.lpar and not any(
                a.keyword is not None and a.keyword.value == "f" for a in value.args
            ):
                facts_value = value
            if facts_value is not None:
                after: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
                opening = facts_value.whitespace_before_args
                if isinstance(opening, cst.ParenthesizedWhitespace):
                    # `f(\n    a, b)`: the callee gets a line of its own, indented as the
                    # arguments are (a comment after the "(" stays there, once)
                    after = opening.with_changes(first_line=cst.TrailingWhitespace(),
                                                 empty_lines=[])
                first = cst.Arg(facts_value.func,
                                comma=cst.Comma(whitespace_after=after)
                                if facts_value.args else cst.MaybeSentinel.DEFAULT)
                args = [first, *facts_value.args]
                # What followed the call's "(" (a line break, a comment) follows it still.
                value = cst.Call(maybe, args,
                                 whitespace_before_args=facts_value.whitespace_before_args)
            else:
                body = _parenthesize(value) if isinstance(value, cst.Tuple) else value
                value = cst.Call(maybe, [cst.Arg(_thunk(body))])
        return self._bare(cst.Await(_parenthesize(value), lpar=updated.lpar, rpar=updated.rpar),
                          original)

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine
                                  ) -> (cst.BaseStatement | cst.RemovalSentinel
                                        | cst.FlattenSentinel[cst.BaseStatement]):
        pos = self._pos(original)
        if self.aware_wraps and len(original.body) == 1:
            aware = self._aware(original.body[0], updated)
            if aware is not None:
                return aware
        if pos[0] in self.call_form_lines and len(updated.body) == 1:
            assign = updated.body[0]
            if isinstance(assign, cst.Assign) and isinstance(assign.value, cst.Call):
                self.removed_roots.add(_root_name(assign.value.func))
            return self._remove_line(updated)
        body: list[cst.BaseSmallStatement] = []
        changed = False
        for small_orig, small in zip(original.body, updated.body, strict=True):
            if isinstance(small_orig, cst.Expr):
                value_orig = small_orig.value
                if isinstance(value_orig, cst.Yield) and self._yield_action(value_orig) == "drop":
                    changed = True
                    # `yield audit(x)` of a plain value still has to call `audit(x)`.
                    if isinstance(small, cst.Expr) and not (
                            _inert(small.value) and not _has_comment(small.value)):
                        body.append(small.with_changes(value=_strip_parens(small.value)))
                    continue
                if isinstance(value_orig, cst.Call) and isinstance(small, cst.Expr) and isinstance(
                    small.value, cst.Call
                ):
                    p = self._pos(value_orig)
                    if (p[0], p[1]) in self.return_value_positions and len(small.value.args) == 1:
                        arg = small.value.args[0]
                        if arg.star == "" and (arg.keyword is None or arg.keyword.value == "val"):
                            self.removed_roots.add(_root_name(small.value.func))
                            body.append(cst.Return(
                                value=_returned(small.value, arg), semicolon=small.semicolon))
                            changed = True
                            if self._own_converting() is None:
                                self.return_values_fixed += 1
                            continue
            body.append(small)
        if not changed:
            return updated
        if not body:
            return self._remove_line(updated)
        last = body[-1]
        if hasattr(last, "semicolon"):
            body[-1] = last.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=body)

    def _aware(self, small: cst.BaseSmallStatement, updated: cst.SimpleStatementLine
               ) -> cst.FlattenSentinel[cst.BaseStatement] | None:
        """`f()`, `return f()` or `x = f()` made to start a coroutine result and pass anything
        else (a Deferred, a plain value, a double's Mock) through untouched:

            result = f()                       # or the `x = f()` as it was
            if inspect.iscoroutine(result):
                [result =] defer.ensureDeferred(result)
            [return result]
        """
        if not isinstance(small, (cst.Expr, cst.Return, cst.Assign)) or not isinstance(
                small.value, cst.Call):
            return None
        wrap = self.aware_wraps.get(self._pos(small.value))
        new_small = updated.body[0]
        if wrap is None or not isinstance(new_small, (cst.Expr, cst.Return, cst.Assign)) or (
                new_small.value is None):
            return None
        self.needs_defer = self.needs_inspect = True
        self.wrapped += 1
        start = cst.Module([]).code_for_node(self.accessor.expr(wrap.func))

        def check(name: str, rebind: bool) -> cst.BaseStatement:
            started = f"{name} = {start}({name})" if rebind else f"{start}({name})"
            return cst.parse_statement(f"if inspect.iscoroutine({name}):\n    {started}\n")

        if isinstance(new_small, cst.Assign):
            # `x = f()` stays; `x` is made what it was before right after.
            target = cst.Module([]).code_for_node(new_small.targets[0].target)
            return cst.FlattenSentinel([updated, check(target, rebind=True)])
        # A name nothing in the enclosing def uses (a nested function's free name included).
        names = identifiers(cst.Module([]).code_for_node(self.defs[-1])) if self.defs else (
            identifiers(self.source))
        candidates = chain(("result", "result_"), (f"result{n}" for n in count(3)))
        name = next(c for c in candidates if c not in names)
        call = cst.Module([]).code_for_node(_strip_parens(new_small.value))
        first = cst.parse_statement(f"{name} = {call}\n").with_changes(
            leading_lines=updated.leading_lines, trailing_whitespace=updated.trailing_whitespace)
        returned = isinstance(small, cst.Return)
        statements = [first, check(name, rebind=returned)]
        if returned:
            statements.append(cst.parse_statement(f"return {name}\n"))
        return cst.FlattenSentinel(statements)

    def _remove_line(self, line: cst.SimpleStatementLine
                     ) -> cst.BaseStatement | cst.RemovalSentinel:
        has_comments = any(el.comment is not None for el in line.leading_lines) or (
            line.trailing_whitespace.comment is not None)
        if has_comments:
            return line.with_changes(body=[cst.Pass()])
        return cst.RemovalSentinel.REMOVE

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock
                            ) -> cst.IndentedBlock:
        if not updated.body:
            return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated

    # -- callers -------------------------------------------------------------------------
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        wrap = self.call_wraps.get(self._pos(original))
        if wrap is None:
            return updated
        self.needs_defer = True
        self.wrapped += 1
        inner = _strip_parens(updated)
        return cst.Call(self.accessor.expr(wrap.func), [cst.Arg(inner)],
                        lpar=updated.lpar, rpar=updated.rpar)

    def _wrap_reference(self, original: cst.BaseExpression, updated: cst.BaseExpression
                        ) -> cst.BaseExpression:
        wrap = self.ref_wraps.get(self._pos(original))
        if wrap is None:
            return updated
        self.needs_defer = True
        self.wrapped += 1
        ref = cst.Module([]).code_for_node(_strip_parens(updated))
        func = cst.Module([]).code_for_node(self.accessor.expr(wrap.func))
        if wrap.bind_early:
            # The reference is evaluated now, as the original expression was (a loop
            # variable may be rebound before the callback runs): a keyword-only default.
            lam = cst.parse_expression(
                f"lambda *a, _bound={ref}, **kw: {func}(_bound(*a, **kw))")
        else:
            lam = cst.parse_expression(f"lambda *a, **kw: {func}({ref}(*a, **kw))")
        return lam.with_changes(lpar=getattr(updated, "lpar", []),
                                rpar=getattr(updated, "rpar", []))

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if self.renames:
            name = self.renames.get(self._pos(original))
            if name is not None:
                self.renamed += 1
                if "." in name:  # respelled by name: the module imports it by name too
                    self.needs_imports.add(name)
                updated = updated.with_changes(value=name.rsplit(".", 1)[-1])
        return self._wrap_reference(original, updated) if self.ref_wraps else updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute
                        ) -> cst.BaseExpression:
        return self._wrap_reference(original, updated) if self.ref_wraps else updated


def _tidy_imports(module: cst.Module, facts: ModuleFacts, accessor: _Accessor,
                  needs_defer: bool, removed_roots: set[str],
                  extra_imports: list[tuple[str, str | None]], style: Style,
                  aliases: Mapping[str, GeneratorAlias] | None = None,
                  folded_uses: Callable[[], set[str]] | None = None,
                  read_elsewhere: frozenset[str] = frozenset()) -> cst.Module:
    """Add the imports the rewrite needs, where isort would; remove those whose only uses it
    removed. `folded_uses`: the names used by code folded out of `module` (region.py).
    `read_elsewhere`: the names other modules read from this one (analysis/reexports.py),
    whose imports stay however unused they are here."""
    own = first_party(facts.module, style.root)
    for mod, obj in extra_imports:
        module = add_import(module, mod, obj, first_party=own)
    if needs_defer and accessor.add_module_import is not None:
        mod, name = accessor.add_module_import
        obj, _, asname = name.partition(" as ")
        module = add_import(module, mod, obj, asname or None, first_party=own)
    candidates = {
        local for local, qualified in facts.imports.items()
        if local in removed_roots and local in facts.runtime_imports
        and (qualified in INLINE_CALLBACKS | {RETURN_VALUE} | GENERATOR_TYPES
             or qualified == DEFER)
    } | {  # the project's alias of Generator, imported for annotations only or not
        local for local in facts.imports
        if local in removed_roots and local in (aliases or {})
    }
    candidates = {c for c in candidates if c not in read_elsewhere
                  and not (STAR in read_elsewhere and star_exports(facts, c))}
    if candidates:
        used = used_names(module.code)
        if folded_uses is not None:
            used |= folded_uses()
        module = remove_unused(module, candidates, used, style.line_length)
    return module


def rewrite_source(source: str, plan: FilePlan, facts: ModuleFacts, path: str = "<string>",
                   format_choice: str = "none", python: str = "",
                   aliases: Mapping[str, GeneratorAlias] | None = None, region: bool = True,
                   read_elsewhere: frozenset[str] = frozenset()) -> RewriteResult:
    """Apply a file plan to its source. Raises RewriteError if the output does not compile.

    `format_choice` (Config.format_changed) formats the changed lines with the project's
    formatter, found beside `python` (the project's interpreter) or on PATH. `aliases` are
    the names of this module that stand for an alias of Generator (analysis/aliases.py).
    With `region`, LibCST reads only the statements the plan touches (region.py), and the
    whole module only when that does not apply; the result is the same. `read_elsewhere`:
    the names other modules read from this one (their imports are kept)."""
    if plan.is_empty():
        return RewriteResult(source)
    folded = fold(source, plan, facts) if region else None
    if folded is not None:
        try:
            result = _rewrite(source, plan, facts, path, format_choice, python, aliases,
                              folded, read_elsewhere)
        except RewriteError:
            result = None  # told as the whole module's rewrite tells it
        if result is not None:
            return result
    result = _rewrite(source, plan, facts, path, format_choice, python, aliases,
                      read_elsewhere=read_elsewhere)
    assert result is not None
    return result


def _rewrite(source: str, plan: FilePlan, facts: ModuleFacts, path: str,
             format_choice: str, python: str,
             aliases: Mapping[str, GeneratorAlias] | None = None,
             folded: Folded | None = None,
             read_elsewhere: frozenset[str] = frozenset()) -> RewriteResult | None:
    """`rewrite_source`'s work; with `folded`, on the folded module (None: its rewrite
    cannot be unfolded, see region.py)."""
    module, restore = _parse_exactly(folded.text if folded is not None else source)
    accessor = choose_accessor(facts)
    converter = _Converter(plan, facts, accessor, source, aliases)
    converter.parsed_lines = split_lines(folded.text if folded is not None else source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    try:
        new_module = wrapper.visit(converter)
    except RewriteError:
        raise
    except Exception as exc:
        reraise_interrupt(exc)
        line, col = converter.at or (1, 1)
        raise InternalRewriteError(line, col, exc) from exc
    extra: list[tuple[str, str | None]] = []
    if converter.needs_not_done_yet:
        extra.append(("twisted.web.server", "NOT_DONE_YET"))
    if converter.needs_pytest_twisted:
        extra.append(("pytest_twisted", None))
    if converter.needs_inspect and facts.imports.get("inspect") != "inspect":
        extra.append(("inspect", None))
    for qualified in sorted(converter.needs_imports):
        module_name, _, name = qualified.rpartition(".")
        extra.append((module_name, name))
    style = style_for(path)
    try:
        new_module = _tidy_imports(
            new_module, facts, accessor, converter.needs_defer, converter.removed_roots,
            extra, style, aliases, folded_uses=(lambda: _names_used(folded.sources()))
            if folded is not None else None, read_elsewhere=read_elsewhere)
    except SyntaxError as exc:  # the rewritten code, parsed again, did not parse
        if folded is not None:
            return None
        line, col = _source_position(source, new_module.code, exc)
        raise InternalRewriteError(line, col, exc) from exc
    new_source = restore(new_module.code)
    if folded is not None:
        new_folded = new_source
        unfolded = folded.unfold(new_folded)
        if unfolded is None:
            return None
        new_source = unfolded
    check_compiles(new_source, path, source)
    # Laid out as the project lays out code (re-aligned, within its line length); the
    # layout keeps the tree as it is, or is not used. It changes only statements the rewrite
    # changed: on the folded text, the kept statements alone are read.
    if folded is not None:
        unfolded = folded.unfold(tidy(folded.text, new_folded, style.line_length))
        if unfolded is None:
            return None
        new_source = unfolded
    else:
        new_source = tidy(source, new_source, style.line_length)
    new_source = format_changed(source, new_source, path, style, format_choice, python)
    return RewriteResult(new_source, converter.converted, converter.wrapped,
                         converter.return_values_fixed, converter.renamed)


def _names_used(sources: list[str]) -> set[str]:
    used: set[str] = set()
    for text in sources:
        used |= used_names(text)
    return used


def _source_position(original: str, new: str, exc: SyntaxError) -> tuple[int, int]:
    """Where in `original` the code that `exc` found wrong in `new` came from (1-based).

    The line is mapped through a line diff: unchanged lines map one to one, a line the
    rewrite changed maps to the first original line of the changed block, whose column is
    only known when the line kept its text."""
    line = exc.lineno or 1
    col = exc.offset or 1
    old_lines = split_lines(original)
    new_lines = split_lines(new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    index = line - 1
    for tag, i1, _i2, j1, j2 in matcher.get_opcodes():
        if j1 <= index < j2:
            if tag == "equal":
                return i1 + (index - j1) + 1, col
            return min(i1 + 1, max(len(old_lines), 1)), 1
    return max(len(old_lines), 1), 1


def _parse_exactly(source: str) -> tuple[cst.Module, Callable[[str], str]]:
    """The LibCST module of `source`, and how to turn its code back into the file's form.

    Any byte LibCST does not reproduce would be lost from the user's file, and LibCST 1.9
    does not reproduce two kinds of file. A module whose last lines are indented comments or
    blanks loses one (`x = 1\\n  #a\\n #b\\n` comes back without `#a`): a final `pass` makes
    them that statement's leading lines, which are kept, and is cut off again. A file with
    classic Mac line ends (a lone \\r) comes back altered: it is parsed with \\n in their
    place (the same number of characters, so every position holds) and mapped back. Any other
    file that does not come back byte for byte is refused, never rewritten."""
    text = source
    mac = "\r" in source and "\n" not in source
    if mac:
        text = source.replace("\r", "\n")
    try:
        module = cst.parse_module(text)
        sentinel = ""
        if module.code != text:
            newline = module.default_newline
            sentinel = ("" if text.endswith(("\n", "\r")) else newline) + "pass" + newline
            module = cst.parse_module(text + sentinel)
    except cst.ParserSyntaxError as exc:
        raise RewriteError(f"{exc.raw_line}:{exc.raw_column + 1}: cannot parse: {exc.message}"
                           ) from None
    if module.code != text + sentinel:
        raise RewriteError("1:1: LibCST cannot reproduce this file byte for byte; "
                           "file left unchanged, please report this")

    def restore(code: str) -> str:
        if sentinel:
            if not code.endswith(sentinel):
                raise RewriteError("1:1: the rewrite changed the end of the file unexpectedly; "
                                   "file left unchanged, please report this")
            code = code[:-len(sentinel)]
        return code.replace("\n", "\r") if mac else code

    return module, restore


def check_compiles(source: str, path: str, original: str | None = None) -> None:
    """Raise RewriteError unless `source` compiles; the position is the `original` file's
    when that is given (what the user can look at), else the rewritten text's."""
    try:
        compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        line, col = ((exc.lineno or 1, exc.offset or 1) if original is None
                     else _source_position(original, source, exc))
        raise RewriteError(f"{line}:{col}: the rewrite would not compile ({exc.msg}); "
                           "file left unchanged, please report this") from None
    except ValueError as exc:
        raise RewriteError(f"1:1: the rewrite would not compile ({exc}); "
                           "file left unchanged, please report this") from None

