"""Per-file facts from one cheap `ast` parse.

Stdlib `ast` is several times faster than LibCST, and facts are recomputed on every keystroke
in the editor, so LibCST is kept for the moment an edit is produced. The walker records what
each inlineCallbacks function does in *its own frame*: yields and `returnValue` calls inside
nested defs, lambdas and classes belong to those scopes and change nothing for the outer one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as _with

from ..lines import split_lines
from ..noqa import parse_noqa
from . import twisted_api
from .model import (
    EXPORTS_ANY,
    CallSite,
    ClassFact,
    FailureSuccess,
    FunctionFact,
    GeneratorAlias,
    ModuleFacts,
    Receiver,
    Ref,
    ReturnValueFact,
    ScopeKind,
    Span,
    Usage,
    Value,
    YieldFact,
    child_qualname,
    make_span,
    shared_ref,
)
from .names import (
    GENERATOR_TYPES,
    INLINE_CALLBACKS,
    RETURN_VALUE,
    ImportTable,
    build_import_table,
)
from .shapes import CHAIN_METHODS, deferred_shape


class LineIndex:
    """Turns `ast`'s UTF-8 byte columns into character columns."""

    def __init__(self, source: str) -> None:
        self._lines = split_lines(source)
        self._ascii = [line.isascii() for line in self._lines]

    def col(self, line: int, byte_col: int) -> int:
        if line - 1 >= len(self._lines) or self._ascii[line - 1]:
            return byte_col
        return len(self._lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def alone(self, node: ast.stmt) -> bool:
        """Nothing but indentation before the statement and at most a comment after it."""
        line, end = node.lineno, node.end_lineno or node.lineno
        if end - 1 >= len(self._lines):
            return False
        before = self._lines[line - 1].encode("utf-8")[:node.col_offset]
        after = self._lines[end - 1].encode("utf-8")[node.end_col_offset or 0:].strip()
        return not before.strip() and (not after or after.startswith(b"#"))

    def byte_find(self, line: int, text: str, start: int) -> int:
        """Byte column of `text` on a line, searching from a byte column."""
        if line - 1 >= len(self._lines):
            return start
        found = self._lines[line - 1].encode("utf-8").find(text.encode("utf-8"), start)
        return found if found >= 0 else start

    def span(self, node: ast.AST) -> Span:
        line = node.lineno  # type: ignore[attr-defined]
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        col = node.col_offset  # type: ignore[attr-defined]
        end_col = node.end_col_offset or 0  # type: ignore[attr-defined]
        # `col` only where a line is not ASCII (nearly every line is: no call then).
        ascii_lines, count = self._ascii, len(self._ascii)
        if line > count or not ascii_lines[line - 1]:
            col = self.col(line, col)
        if end_line > count or not ascii_lines[end_line - 1]:
            end_col = self.col(end_line, end_col)
        return make_span(line, col, end_line, end_col)


@dataclass
class _Scope:
    kind: ScopeKind
    qualname: str
    fact: FunctionFact | None = None
    class_qualname: str = ""
    # Inside the try-body of a handler that catches BaseException, or inside a `with`.
    guards: list[str] = field(default_factory=list)
    # Local names bound to `getattr(obj, <computed name>)`, with the lookup's receiver.
    dynamic_names: dict[str, Ref] = field(default_factory=dict)
    # Inside `for name in ("a", "b"):` (name bound nowhere else in the loop): the strings
    # the name can only be there.
    literal_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    params: frozenset[str] = frozenset()  # a lambda's parameters
    node: ast.FunctionDef | ast.AsyncFunctionDef | None = None  # a function's own node
    # A `return` of something other than a call in the function's own frame (so it is no
    # pass-through), and a call of a chain method (`addCallback`) seen in this scope: see
    # `_may_have_shape`.
    plain_return: bool = False
    chain_call: bool = False


def _isinstance_test(test: ast.expr) -> tuple[str, ast.expr] | None:
    """`isinstance(x, C)` with a plain name `x` and one class `C`: (x, C)."""
    if (isinstance(test, ast.Call) and isinstance(test.func, ast.Name)
            and test.func.id == "isinstance" and len(test.args) == 2 and not test.keywords
            and isinstance(test.args[0], ast.Name)
            and isinstance(test.args[1], (ast.Name, ast.Attribute))):
        return test.args[0].id, test.args[1]
    return None


def _rebinds(stmts: list[ast.stmt], name: str) -> bool:
    """Whether anything in `stmts` may bind `name` again: an assignment or deletion (a
    comprehension's or a loop's target too), `global`/`nonlocal`, `except ... as`, an
    import, a def or class of that name, a pattern's capture, or a parameter of a nested
    function (nested functions included: a rebinding there through `nonlocal` counts)."""
    for stmt in stmts:
        for node in ast.walk(stmt):
            if ((isinstance(node, ast.Name) and node.id == name
                 and not isinstance(node.ctx, ast.Load))
                    or (isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names)
                    or (isinstance(node, ast.arg) and node.arg == name)
                    or (isinstance(node, ast.ExceptHandler) and node.name == name)
                    or (isinstance(node, ast.alias) and name == (
                        node.asname or node.name.split(".")[0]))
                    or (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                          ast.ClassDef)) and node.name == name)
                    or (isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name == name)
                    or (isinstance(node, ast.MatchMapping) and node.rest == name)):
                return True
    return False


# Builtins whose result is never a Failure (`object()` is a test's favourite sentinel).
_PLAIN_BUILTINS = frozenset({"object", "str", "int", "float", "bool", "bytes", "list", "dict",
                             "set", "tuple", "frozenset", "len", "repr", "sorted"})
_MOCKS = frozenset({"Mock", "MagicMock", "NonCallableMock", "NonCallableMagicMock"})
# Builtins that look at a value without calling it, and see the same of a method whether it
# is an inlineCallbacks function or an `async def`: its type (`type(x)` with one argument:
# three make a class whose methods are called later), identity, text, truth. A method
# given to one is not handed over.
_INSPECTING_BUILTINS = frozenset({"type", "isinstance", "issubclass", "callable", "id",
                                  "repr", "str", "hash", "bool", "print"})


def _own_statements(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """Every statement of `fn`'s own frame (not of a nested function or class)."""
    out: list[ast.stmt] = []
    todo: list[ast.stmt] = list(fn.body)
    while todo:
        stmt = todo.pop()
        out.append(stmt)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field_name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(stmt, field_name, []) or []:
                if isinstance(child, ast.stmt):
                    todo.append(child)
                elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                    todo.extend(child.body)
    return out


def _bindings(stmt: ast.stmt, name: str, builtin_range: bool
              ) -> list[tuple[ast.expr | None, ast.expr | None]]:
    """The (target, value) pairs by which `stmt` itself binds `name`: the value bound, or
    None where it is not one expression's value (`a, b = ...`, `with ... as`, `except ...
    as`, `:=`, `import`, a `for` over anything but `range(...)`), or the target None for a
    binding this does not read (a nested function or class named `name`)."""
    unknown: tuple[ast.expr | None, ast.expr | None] = (None, None)
    found: list[tuple[ast.expr | None, ast.expr | None]] = []
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Name) and target.id == name:
                found.append((target, stmt.value))
            elif _binds(target, name):
                found.append(unknown)
    elif isinstance(stmt, ast.AnnAssign):
        if isinstance(stmt.target, ast.Name) and stmt.target.id == name:
            found.append((stmt.target, stmt.value) if stmt.value is not None else unknown)
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        if isinstance(stmt.target, ast.Name) and stmt.target.id == name:
            plain = (builtin_range and isinstance(stmt, ast.For)
                     and isinstance(stmt.iter, ast.Call)
                     and isinstance(stmt.iter.func, ast.Name) and stmt.iter.func.id == "range")
            # An int of the range, as far as what it is goes.
            found.append((stmt.target, ast.Constant(0)) if plain else unknown)
        elif _binds(stmt.target, name):
            found.append(unknown)
    elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        if stmt.name == name:
            found.append(unknown)
        return found  # the rest is the nested body's own frame (or the header's)
    # Anything else binding it in this statement's own expressions (`with ... as`,
    # `except ... as`, `:=`, `import`, augmented assignment, `del`): unknown.
    for node in _own_nodes(stmt):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(
                node.ctx, ast.Load) and not any(t is node for t, _ in found):
            found.append(unknown)
        elif isinstance(node, ast.ExceptHandler) and node.name == name:
            found.append(unknown)
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name.split(".")[0]) == name for a in node.names):
            found.append(unknown)
    return found


def _binds(target: ast.expr, name: str) -> bool:
    """Whether assigning to `target` binds `name` (`x.a = ...` and `x[0] = ...` do not)."""
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               for n in ast.walk(target))


def _own_nodes(stmt: ast.stmt) -> list[ast.AST]:
    """The nodes of `stmt` outside its nested statements (whose own bindings are read when
    `_own_statements` reaches them) and outside nested functions, lambdas and classes."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt) or isinstance(
                    child, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                            ast.GeneratorExp, ast.match_case)):
                continue
            todo.append(child)
    return out


def _all_args(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return args.posonlyargs + args.args + args.kwonlyargs + extra


_PLAIN_NODES = (
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Dict,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.JoinedStr,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.Lambda,
)


_SUCCEED = "twisted.internet.defer.succeed"
_FAIL = "twisted.internet.defer.fail"
_FAILURE = "twisted.python.failure.Failure"
# Tests that let code take a coroutine, a Deferred or a plain value alike.
_COROUTINE_CHECKS = frozenset({
    "inspect.iscoroutine", "inspect.isawaitable", "asyncio.iscoroutine",
})
_BLOCKS = frozenset({"body", "orelse", "finalbody"})
_STARTERS = frozenset({
    "twisted.internet.defer.ensureDeferred", "twisted.internet.defer.Deferred.fromCoroutine",
})
_MAYBE_DEFERRED = "twisted.internet.defer.maybeDeferred"
# What fails a Deferred with a Failure at once (a Failure made for these is not data).
_FAILURE_CONSUMERS = frozenset({"fail", "errback", "succeed", "failureResultOf",
                                "raiseException", "trap", "check"})
# The type of a literal: a receiver holding one is never a project object.
_LITERAL_TYPES: dict[type, str] = {
    ast.Dict: "dict", ast.DictComp: "dict", ast.List: "list", ast.ListComp: "list",
    ast.Set: "set", ast.SetComp: "set", ast.Tuple: "tuple", ast.JoinedStr: "str",
}
# Wrappers whose argument is the type that matters: `Optional[Store]` holds a Store (or None,
# on which any call fails either way); `ClassVar[...]`, `Final[...]` hold their argument.
_TRANSPARENT_GENERICS = frozenset({"Optional", "ClassVar", "Final", "Annotated"})


def _annotation_type(node: ast.expr, table: ImportTable) -> str | None:
    """The class an annotation names (`Store`, `Optional[Store]`, `Dict[str, int]` -> the
    `Dict` alias, `"Store"`); None when it names none txasync can use (a union, a callable)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(node, ast.Subscript):
        head = table.resolve(node.value) or _text(node.value)
        if head.rsplit(".", 1)[-1] in _TRANSPARENT_GENERICS:
            inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            return _annotation_type(inner, table)
        if head.rsplit(".", 1)[-1] == "Union":
            return None
        return head
    if isinstance(node, ast.BinOp):  # `Store | None`
        sides = [s for s in (node.left, node.right)
                 if not (isinstance(s, ast.Constant) and s.value is None)]
        return _annotation_type(sides[0], table) if len(sides) == 1 else None
    if isinstance(node, (ast.Name, ast.Attribute)):
        return table.resolve(node) or _text(node)
    return None


# Mock constructors whose `spec` (or first argument) names the class they stand in for.
_MOCK_CLASSES = frozenset({"Mock", "MagicMock", "NonCallableMock", "NonCallableMagicMock",
                           "AsyncMock", "create_autospec"})
# Attributes of a mock that set what calling it returns.
_MOCK_BEHAVIOUR = frozenset({"return_value", "side_effect"})
# Calls that replace an attribute named by a string argument (see `_replacing_call`).
_REPLACING_CALLS = frozenset({"setattr", "__setattr__", "patch", "object", "multiple",
                              "patch_object"})

_DOC_RETURNS = re.compile(
    r"^\s*(?:@rtype|@returns?|:rtype|:returns?)\s*:\s*(?P<text>.*)$"
    r"|^\s*(?:Returns|Return|Yields)\s*:\s*\n\s+(?P<google>.*)$",
    re.M,
)


def _may_give_return_type(docstring: str) -> bool:
    """Whether `_DOC_RETURNS` can match anything in the text: each of its forms has one of
    these words (cleaning a docstring only takes indentation away)."""
    return "rtype" in docstring or "eturn" in docstring or "Yields" in docstring


def _doc_return_type(docstring: str) -> str:
    """The first line a docstring gives for the return value (`@rtype: Deferred`), or ""."""
    found = _DOC_RETURNS.search(docstring)
    if found is None:
        return ""
    return (found.group("text") or found.group("google") or "").strip()


def _is_stub_statement(stmt: ast.stmt) -> bool:
    """`pass`, `...`, a string or `raise`: what a declaration's body holds."""
    if isinstance(stmt, (ast.Pass, ast.Raise)):
        return True
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and (
        stmt.value.value is Ellipsis or isinstance(stmt.value.value, str))


def _constant_prefix(node: ast.expr) -> str:
    """`"on_" + name`, `f"on_{name}"`, `"on_%s" % name`, `"on_{}".format(name)` -> `on_`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        left = node.left
        if isinstance(left, ast.Constant) and isinstance(left.value, str):
            text = left.value.split("%", 1)[0] if isinstance(node.op, ast.Mod) else left.value
            return text
        return _constant_prefix(left) if isinstance(node.op, ast.Add) else ""
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format" and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)):
        return node.func.value.value.split("{", 1)[0]
    return ""


def _literal_loop(node: ast.For | ast.AsyncFor) -> tuple[str, ...] | None:
    """`for name in ("a", "b"):` (a list, tuple or set of strings) where nothing in the
    loop's body or `else:` binds `name` again (`_rebinds`): the strings `name` is there.
    None for any other loop."""
    target = node.target
    choices = _strings(node.iter)
    if (not isinstance(target, ast.Name) or choices is None
            or _rebinds([*node.body, *node.orelse], target.id)):
        return None
    return tuple(dict.fromkeys(choices))


def _defaults(args: ast.arguments) -> list[ast.expr]:
    """Parameter default values (evaluated where the function is defined)."""
    return args.defaults + [d for d in args.kw_defaults if d is not None]


# Calls that read the warnings raised while the code under them runs (trial, unittest,
# the warnings module, pytest).
_WARNING_READERS = frozenset({"flushWarnings", "assertWarns", "assertWarnsRegex",
                              "failUnlessWarns", "catch_warnings", "warns", "deprecated_call"})


def _text(node: ast.AST) -> str:
    """Source-like text of an expression; dotted names (the common case) without unparse."""
    parts = []
    current = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if isinstance(current, ast.Name):
        parts.append(current.id)
        return ".".join(reversed(parts))
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return ""


_DISPATCH: dict[type, Callable[[_FactWalker, ast.AST], None]] = {}
_FIELDS: dict[type, tuple[str, ...]] = {}
# Nodes that hold no other node: visiting one only pushes it on the stack and pops it (no
# `visit_` method handles them; `test_leaves_have_no_handler` keeps it so).
_LEAVES: frozenset[type] = frozenset(
    {ast.Name, ast.Constant, ast.alias, ast.Pass, ast.Break, ast.Continue}
    | {sub for base in (ast.operator, ast.boolop, ast.cmpop, ast.unaryop, ast.expr_context)
       for sub in base.__subclasses__()})


def _module_bindings(stmts: list[ast.stmt]) -> dict[str, int]:
    """How many times each name is bound at module level, in any form (assignment, loop or
    `with` target, import, def, class, `del`), branches of `if`/`try` included."""
    counts: dict[str, int] = {}
    stack: list[ast.AST] = list(stmts)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            counts[node.name] = counts.get(node.name, 0) + 1
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            counts[node.id] = counts.get(node.id, 0) + 1
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                counts[bound] = counts.get(bound, 0) + 1
        stack.extend(ast.iter_child_nodes(node))
    return counts


class _FactWalker:
    def __init__(self, source: str, table: ImportTable, facts: ModuleFacts) -> None:
        self.lines = LineIndex(source)
        self.source = source
        self.table = table
        self.facts = facts
        self.scopes: list[_Scope] = [_Scope("module", "")]
        # The scopes that are no class, innermost last: `current_def`, asked at every call.
        self.defs: list[_Scope] = [self.scopes[0]]
        # Ancestors of the node being visited (the node itself last).
        self.stack: list[ast.AST] = []
        # The statement lists being walked, innermost last (a statement's siblings).
        self.blocks: list[list[ast.stmt]] = []
        # `if isinstance(x, C):` bodies being walked: (x, C's name, the scope depth there).
        self.narrowing: list[tuple[str, str, int]] = []
        self.class_facts: dict[str, ClassFact] = {}
        self._rebound_globals: set[str] = set()
        # id -> (node, its text): the same node's text is asked for again and again (its
        # callee record, its usage, what it is handed to). The node is held so that its id
        # stays its own (`_replaced` makes nodes that live for one call).
        self._texts: dict[int, tuple[ast.AST, str]] = {}

    # -- helpers -----------------------------------------------------------------------
    def text(self, node: ast.AST) -> str:
        """`_text(node)`, once per node."""
        found = self._texts.get(id(node))
        if found is None:
            found = self._texts[id(node)] = (node, _text(node))
        return found[1]

    def ref(self, node: ast.expr) -> Ref:
        """How `node` is written, as a shared record (see `model.shared_ref`)."""
        text = self.text(node)
        if isinstance(node, ast.Name):
            qualified = None if self._local(node.id) else self.table.resolve(node)
            return shared_ref("name", node.id, qualified, text=text)
        if isinstance(node, ast.Attribute):
            base = node.value
            receiver: Receiver = "other"
            receiver_attr = None
            if (isinstance(base, ast.Name) and base.id in ("self", "cls")
                    and self.current_def().class_qualname):
                # Only a method's (or a closure over a method's) `self` is typed; any other
                # `self` is an unknown receiver like any other name.
                receiver = "self" if base.id == "self" else "cls"
            elif (
                isinstance(base, ast.Call)
                and isinstance(base.func, ast.Name)
                and base.func.id == "super"
            ):
                receiver = "super"
            elif (
                isinstance(base, ast.Attribute)
                and isinstance(base.value, ast.Name)
                and base.value.id == "self"
            ):
                receiver_attr = base.attr
            qualified = self.table.resolve(node)
            if qualified is not None and isinstance(base, ast.Name) and self._local(base.id):
                qualified = None  # `def f(txtorcon): txtorcon.launch()`: not the module
            if qualified is not None and receiver == "other":
                receiver = "module"
            return shared_ref("attr", node.attr, qualified, receiver, receiver_attr, text)
        return shared_ref("attr", "", None, "other", text=text)

    def _local(self, name: str) -> bool:
        """Whether `name` is, where the walk is, a local of the enclosing function (a
        parameter, or assigned before here), which shadows a module-level import."""
        if self._lambda_bound(name):
            return True
        fact = self.current_def().fact
        return fact is not None and fact.binds_locally(name)

    def _lambda_bound(self, name: str) -> bool:
        """Whether `name` is a parameter of a lambda the walk is in: it names whatever the
        lambda is called with, never a function of the module (`lambda load: load()`)."""
        for scope in reversed(self.scopes):
            if scope.kind != "lambda":
                return False
            if name in scope.params:
                return True
        return False

    def name_of(self, node: ast.expr) -> str:
        """What an expression names: its qualified name where imports tell, else its text."""
        return self.table.resolve(node) or self.text(node)

    def value(self, node: ast.expr | None) -> Value:
        if node is None:
            return Value("none")
        if isinstance(node, ast.Constant) and node.value is None:
            return Value("plain")
        if isinstance(node, _PLAIN_NODES):
            return Value("plain")
        if isinstance(node, ast.Call):
            if isinstance(node.func, (ast.Name, ast.Attribute)):
                has_f = any(k.arg == "f" for k in node.keywords)
                ref = self.ref(node.func)
                cast_to = None
                if ref.qualified == "typing.cast" and node.args:
                    cast_to = _annotation_type(node.args[0], self.table)
                return Value("call", ref, has_f, cast_to)
            return Value("other")
        if isinstance(node, ast.Name):
            return Value("name", self.ref(node))
        if isinstance(node, ast.Attribute):
            return Value("attr", self.ref(node))
        if isinstance(node, ast.GeneratorExp):
            return Value("generator")
        if isinstance(node, ast.NamedExpr):
            return self.value(node.value)  # `(d := self.ready)` is what it binds
        return Value("other")

    def current_def(self) -> _Scope:
        """The innermost scope that is no class: the function, lambda or module whose
        code the walk is in."""
        return self.defs[-1]

    def enclosing_ic_scopes(self) -> list[_Scope]:
        return [s for s in self.scopes if s.kind == "ic"]

    def qualname_for(self, name: str) -> str:
        parent = self.scopes[-1]
        return child_qualname(parent.kind, parent.qualname, name)

    # -- walking -----------------------------------------------------------------------
    def walk(self, tree: ast.Module) -> None:
        self._body(tree.body)
        self.facts.rebound_globals = set(self._rebound_globals)
        self.facts.module_bindings = _module_bindings(tree.body)
        for name in self._rebound_globals:
            if name in self.facts.module_types:
                self.facts.module_types[name] = ""  # rebound in a function: any type

    def _body(self, stmts: list[ast.stmt]) -> None:
        # `f = inlineCallbacks(f)`, the call form of the decorator, comes after the def it
        # applies to; find it first so the def is walked as the IC function it is.
        call_forms: dict[str, tuple[ast.Assign, str]] = {}
        for stmt in stmts:
            if (
                type(stmt) is ast.Assign
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Call)
                and len(stmt.value.args) == 1
                and not stmt.value.keywords
                and isinstance(stmt.value.args[0], ast.Name)
                and stmt.value.args[0].id == stmt.targets[0].id
                and any(isinstance(s, ast.FunctionDef) and s.name == stmt.targets[0].id
                        for s in stmts)
            ):
                resolved = self.table.resolve(stmt.value.func)
                if resolved in INLINE_CALLBACKS:
                    call_forms[stmt.targets[0].id] = (stmt, resolved)
        forms = {id(form[0]) for form in call_forms.values()}
        self.blocks.append(stmts)
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(stmt, call_forms.get(stmt.name) if call_forms else None)
            elif forms and id(stmt) in forms:
                continue
            else:
                self.visit(stmt)
        self.blocks.pop()

    def _function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        call_form: tuple[ast.Assign, str] | None = None,
    ) -> FunctionFact:
        for deco in node.decorator_list:
            self.visit(deco)
        for default in _defaults(node.args):
            self._value_ref(default, "other", "default")  # `def f(serve=_serve_tcp)`
            self.visit(default)
        parent = self.scopes[-1]
        start = node.decorator_list[0] if node.decorator_list else node
        span = self.lines.span(node)
        start_span = self.lines.span(start)
        def_line = node.lineno
        after_def = self.lines.byte_find(def_line, "def", node.col_offset) + 3
        name_col = self.lines.col(def_line, self.lines.byte_find(def_line, node.name, after_def))
        decorators = [self.name_of(d) for d in node.decorator_list]
        fact = FunctionFact(
            name=node.name,
            qualname=self.qualname_for(node.name),
            span=make_span(start_span.line, start_span.col, span.end_line, span.end_col),
            name_span=make_span(def_line, name_col, def_line, name_col + len(node.name)),
            is_async=isinstance(node, ast.AsyncFunctionDef),
            lines=span.end_line - start_span.line + 1,
            class_qualname=parent.qualname if parent.kind == "class" else "",
            decorators=tuple(decorators),
            returns_annotation=self.text(node.returns) if node.returns else "",
        )
        for index, name in enumerate(decorators):
            if name in INLINE_CALLBACKS and not fact.is_async:
                fact.ic_kind = "pytest_twisted" if name.startswith("pytest_twisted") else "twisted"
                fact.ic_form = "decorator"
                fact.ic_index = index
            elif name in ("staticmethod", "builtins.staticmethod"):
                fact.is_staticmethod = True
            elif name in ("classmethod", "builtins.classmethod"):
                fact.is_classmethod = True
        if call_form is not None and not fact.is_async and not fact.is_ic:
            fact.ic_kind = "pytest_twisted" if call_form[1].startswith("pytest") else "twisted"
            fact.ic_form = "call"
            fact.ic_call_span = self.lines.span(call_form[0])
        if parent.kind == "class":
            cls = self.class_facts.get(parent.qualname)
            if cls is not None:
                fact.class_bases = tuple(cls.bases)
                cls.methods.append(node.name)
        for arg in _all_args(node.args):
            if arg.annotation is not None:
                written = _annotation_type(arg.annotation, self.table)
                if written:
                    fact.param_types[arg.arg] = written
        fact.params = tuple(a.arg for a in node.args.posonlyargs + node.args.args)
        if parent.kind == "class":
            fact.self_class = parent.qualname
        elif not {"self", "cls"} & {a.arg for a in _all_args(node.args)}:
            fact.self_class = parent.class_qualname
        body = node.body
        docstring = ast.get_docstring(node, clean=False)
        if docstring is not None and _may_give_return_type(docstring):
            docstring = ast.get_docstring(node, clean=True)  # cleaning costs: only if asked
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        fact.raises_only = bool(body) and all(isinstance(s, ast.Raise) for s in body)
        fact.is_stub = all(_is_stub_statement(s) for s in body)
        fact.doc_returns = _doc_return_type(docstring or "")
        fact.all_params = tuple(a.arg for a in _all_args(node.args))
        self.facts.functions.append(fact)
        kind: ScopeKind = "async" if fact.is_async else ("ic" if fact.is_ic else "plain")
        scope = _Scope(kind, fact.qualname, fact, fact.self_class, node=node)
        self.scopes.append(scope)
        self.defs.append(scope)
        self._body(node.body)
        if kind == "plain" and isinstance(node, ast.FunctionDef) and self._may_have_shape(
                node, scope):
            fact.shape = deferred_shape(node, self.source, self.ref, self.value, self.lines.span)
        self.scopes.pop()
        self.defs.pop()
        return fact

    def _may_have_shape(self, node: ast.FunctionDef, scope: _Scope) -> bool:
        """False only where `deferred_shape` is sure to find none, which is most plain
        functions (walking each one's frame again was a tenth of the facts' time).

        A pass-through needs returns in the function's own frame, every one of them a
        call: the walk saw each of them (`fact.returns`, `scope.plain_return`). A chain
        needs a chain-method call in the frame: the walk saw every call of the body in
        this scope (and some that are no part of the frame: a nested class's body, a
        nested def's decorators), and the frame's header (every field of the function but
        its body: decorators, defaults, annotations, which the walk reads outside the scope
        or not at all) is looked at here."""
        fact = scope.fact
        if scope.chain_call or (fact is not None and fact.returns and not scope.plain_return):
            return True
        header = [part for name, value in ast.iter_fields(node) if name != "body"
                  for part in (value if isinstance(value, list) else [value])
                  if isinstance(part, ast.AST)]
        return any(type(n) is ast.Call and isinstance(n.func, ast.Attribute)
                   and n.func.attr in CHAIN_METHODS
                   for part in header for n in ast.walk(part))

    def parent(self, levels: int = 1) -> ast.AST | None:
        """The ancestor `levels` above the node being visited."""
        index = len(self.stack) - 1 - levels
        return self.stack[index] if index >= 0 else None

    def visit(self, node: ast.AST) -> None:
        self.stack.append(node)
        method = _DISPATCH.get(type(node))
        if method is None:
            name = "visit_" + type(node).__name__
            method = getattr(type(self), name, None) or _FactWalker.generic_visit
            _DISPATCH[type(node)] = method
        method(self, node)
        self.stack.pop()

    def generic_visit(self, node: ast.AST) -> None:
        # A lean iter_child_nodes: no expression contexts, fields looked up once per type,
        # and no visit of a leaf that nothing handles (`_LEAVES`: nearly half the nodes).
        fields = _FIELDS.get(type(node))
        if fields is None:
            fields = _FIELDS[type(node)] = tuple(f for f in node._fields if f != "ctx")
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                block = name in _BLOCKS
                if block:
                    self.blocks.append(value)
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in _LEAVES:
                        self.visit(item)
                if block:
                    self.blocks.pop()
            elif isinstance(value, ast.AST) and type(value) not in _LEAVES:
                self.visit(value)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for deco in node.decorator_list:
            self.visit(deco)
        for base in node.bases:
            self.visit(base)
        qualname = self.qualname_for(node.name)
        bases = [self.name_of(b) for b in node.bases]
        cls_fact = ClassFact(node.name, qualname, bases, self.lines.span(node))
        for deco in node.decorator_list:
            if (isinstance(deco, ast.Call)
                    and self.name_of(deco.func).rsplit(".", 1)[-1] == "implementer"):
                cls_fact.implements.extend(self.name_of(a) for a in deco.args)
        self.facts.classes.append(cls_fact)
        self.class_facts[qualname] = cls_fact
        self.scopes.append(_Scope("class", qualname, class_qualname=qualname))
        self._body(node.body)
        self.scopes.pop()

    def visit_Lambda(self, node: ast.Lambda) -> None:
        a = node.args
        params = frozenset(p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs,
                                           *(x for x in (a.vararg, a.kwarg) if x)])
        if not (isinstance(node.body, ast.Name) and node.body.id in params):
            self._value_ref(node.body, "returned", "lambda")
        outer = self.current_def()
        # Default values run where the lambda is made: their yields are the outer function's.
        for default in _defaults(node.args):
            self._value_ref(default, "other", "default")
        self.visit(node.args)
        lambda_scope = _Scope("lambda", outer.qualname + ".<lambda>",
                              class_qualname=outer.class_qualname, params=params)
        self.scopes.append(lambda_scope)
        self.defs.append(lambda_scope)
        self.visit(node.body)
        self.scopes.pop()
        self.defs.pop()

    def _comprehension(self, node: ast.AST) -> None:
        # Comprehensions are their own scope for `yield`, but calls inside them are still the
        # enclosing function's calls, so keep walking with the same def scope. Their targets
        # count as (rebindable) assignments of the enclosing function.
        scope = self.current_def()
        if scope.fact is not None:
            for generator in node.generators:  # type: ignore[attr-defined]
                self._attribute_stores([generator.target], Value("other"))
                before = set(scope.fact.assignments) - scope.fact.comprehension_names
                self._record_assignment(scope.fact, generator.target, Value("other"))
                names = {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
                scope.fact.comprehension_names |= frozenset(names - before)
        self.generic_visit(node)

    visit_GeneratorExp = _comprehension
    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_DictComp = _comprehension

    def _guarded(self, guard: str, body: list[ast.stmt]) -> None:
        scope = self.current_def()
        scope.guards.append(guard)
        for stmt in body:
            self.visit(stmt)
        scope.guards.pop()

    def visit_Try(self, node: ast.Try) -> None:
        guard = ""
        for handler in node.handlers:
            if handler.type is None:
                guard = "bare-except"
                break
            names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            for name in names:
                resolved = self.name_of(name)
                if resolved in ("BaseException", "builtins.BaseException"):
                    guard = "baseexception"
        if guard:
            self._guarded(guard, node.body)
        else:
            for stmt in node.body:
                self.visit(stmt)
        for part in (node.handlers, node.orelse, node.finalbody):
            for child in part:
                self.visit(child)

    visit_TryStar = visit_Try

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        scope = self.current_def()
        for item in node.items:
            if item.optional_vars is not None:
                self._attribute_stores([item.optional_vars], Value("other"))
                if scope.fact is not None:
                    self._record_assignment(scope.fact, item.optional_vars, Value("other"))
            self.visit(item)
        self._guarded("with", node.body)

    def _value_ref(self, expr: ast.expr | None, usage: Usage, detail: str = "") -> None:
        """A function referenced as a value (`handlers = {"a": on_a}`, `x = self.f`): its
        eventual callers are out of sight, so a conversion must wrap the reference."""
        if isinstance(expr, (ast.Name, ast.Attribute)) and isinstance(
                getattr(expr, "ctx", None), ast.Load):
            ref = self.ref(expr)
            if ref.name:
                self.facts.calls.append(self._site(expr, ref, usage, detail, uncalled=True,
                                                   handed_to=None))

    def visit_If(self, node: ast.If) -> None:
        """The body of `if isinstance(x, C):` knows `x`'s class, unless the body rebinds
        `x` (then nothing is narrowed)."""
        self.visit(node.test)
        narrowed = _isinstance_test(node.test)
        if narrowed is not None and _rebinds(node.body, narrowed[0]):
            narrowed = None
        if narrowed is not None:
            self.narrowing.append((narrowed[0], self.name_of(narrowed[1]), len(self.scopes)))
        self._block(node.body)
        if narrowed is not None:
            self.narrowing.pop()
        self._block(node.orelse)

    def _block(self, stmts: list[ast.stmt]) -> None:
        self.blocks.append(stmts)
        for stmt in stmts:
            self.visit(stmt)
        self.blocks.pop()

    # Other places a function can be used as a value without being called: a conditional
    # (`f if c else g`, `a or f`), a comparison (`cb is self.on_x`), a subscript (`d[f]`), a
    # yield or await of the function object, `*f`, `x := f`, `x += [f]`.
    def visit_IfExp(self, node: ast.IfExp) -> None:
        for value in (node.body, node.orelse):
            self._value_ref(value, "other", "conditional")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        for value in node.values:
            self._value_ref(value, "other", "conditional")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for value in [node.left, *node.comparators]:
            self._value_ref(value, "other", "comparison")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self._value_ref(node.slice, "other", "subscript")
        self.generic_visit(node)

    def visit_Starred(self, node: ast.Starred) -> None:
        self._value_ref(node.value, "other", "starred")
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        self._value_ref(node.value, "other", "await")
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for value in node.values:
            self._value_ref(value, "other", "dict")
        self.generic_visit(node)

    def _container(self, node: ast.List | ast.Tuple | ast.Set) -> None:
        """An element of a list, tuple or set is a value, wherever the container goes: one
        handed to a call (`run_chain([f, g], x)`, `f(callbacks=(g,))`) too, as the callee
        calls the elements out of sight (visit_Call records only a bare name or attribute
        argument as handed over)."""
        for element in node.elts:
            self._value_ref(element, "other", type(node).__name__.lower())
        self.generic_visit(node)

    visit_List = _container
    visit_Tuple = _container
    visit_Set = _container

    def _stored(self, node: ast.expr) -> Value:
        """What an assignment stores: `None` as kind "none" (a call on it fails before any
        yield or await, whatever the attribute is), anything else as `value` says."""
        if isinstance(node, ast.Constant) and node.value is None:
            return Value("none")
        return self.value(node)

    def _attribute_stores(self, targets: list[ast.expr], value: Value,
                          direct: bool = True) -> None:
        """Record what each attribute target (`x.d = v`) may hold from now on; an element
        of a tuple target, or a class-body name, gets `value` only when it is the target."""
        scope = self.current_def()
        owner = scope.qualname if scope.kind != "module" else ""
        for target in targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                self._attribute_stores(list(target.elts), Value("other"), False)
            elif isinstance(target, ast.Starred):
                self._attribute_stores([target.value], Value("other"), False)
            elif isinstance(target, ast.Attribute):
                on_self = (scope.class_qualname if scope.kind not in ("lambda", "module")
                           and isinstance(target.value, ast.Name) and target.value.id == "self"
                           else "")
                self.facts.attribute_stores.setdefault(target.attr, []).append(
                    (owner, value if direct else Value("other"), on_self))
            elif isinstance(target, ast.Subscript) and self.text(target.value).endswith(
                    "__dict__"):
                self._computed_store(target.value.value if isinstance(
                    target.value, ast.Attribute) else None)  # `o.__dict__[name] = v`
            elif isinstance(target, ast.Name) and self.scopes[-1].kind == "class":
                self.facts.attribute_stores.setdefault(target.id, []).append(
                    ("", value if direct else Value("other"), ""))

    def _computed_store(self, receiver: ast.expr | None) -> None:
        """A store into an attribute whose name is computed: any attribute of `receiver`
        may hold anything from now on. Recorded with what the receiver is, as far as
        syntax tells: `self` in a method of a class, a name (qualified where imports tell:
        a module's attributes are no instance's), or anything else."""
        self.facts.computed_attribute_stores = True
        scope = self.current_def()
        if isinstance(receiver, ast.Name) and receiver.id == "self" and scope.class_qualname:
            self.facts.computed_store_receivers.append(("self", scope.class_qualname))
        elif isinstance(receiver, ast.Name) and scope.kind == "module" or (
                isinstance(receiver, ast.Name) and scope.fact is not None
                and not scope.fact.binds_locally(receiver.id)):
            self.facts.computed_store_receivers.append(
                ("name", self.table.resolve(receiver) or receiver.id))
        else:
            self.facts.computed_store_receivers.append(
                ("other", self.text(receiver) if receiver is not None else ""))

    def _replaced_targets(self, targets: list[ast.expr], value: ast.expr | None = None
                          ) -> None:
        """`obj.name = value` replaces whatever `obj.name` was (a test double, a patch)."""
        for target in targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                self._replaced_targets(list(target.elts))
            elif isinstance(target, ast.Starred):
                self._replaced_targets([target.value])
            elif isinstance(target, ast.Attribute):
                self._replaced(target.attr, target, owner=target.value, value=value)
                if target.attr in _MOCK_BEHAVIOUR and isinstance(target.value, ast.Attribute):
                    # `double.fetch.return_value = "X"`: what `double.fetch()` returns
                    self._replaced(target.value.attr, target.value, owner=target.value.value)

    def _replaced(self, name: str, node: ast.AST, owner: ast.expr | None = None,
                  qualified: str | None = None, auto: bool = False,
                  value: ast.expr | None = None) -> None:
        """Record a replacement of `name`: on `owner` (an object or class whose type the
        index may know), at a `qualified` path (`patch("pkg.mod.Cls.name")`), or, with
        neither, of every function of that name. `auto`: `patch()` makes the double itself
        (an AsyncMock once the function is `async def`)."""
        name = name.rsplit(".", 1)[-1]
        if not name.isidentifier():
            return
        if qualified is not None:
            callee = shared_ref("name", name, qualified, text=qualified)
        elif owner is not None:
            callee = self.ref(ast.Attribute(value=owner, attr=name, ctx=ast.Load()))
        else:
            callee = shared_ref("name", name, None, text=name)
        site = self._site(node, callee, "other", "patched" if auto else "replaced")
        if value is not None and not auto:
            site = _with(site, replaced_with=self._installed_function(value),
                         replaced_returns=self._lambda_call(value))
        self.facts.replacements.append(site)

    def _installed_function(self, value: ast.expr) -> Ref | None:
        """The function a replacement installs, where it is written as a reference."""
        if isinstance(value, (ast.Name, ast.Attribute)):
            return self.ref(value)
        return None

    def _lambda_call(self, value: ast.expr) -> Value | None:
        """What calling an installed `lambda: f(...)` returns: the call in its body, when
        the callee uses none of the lambda's own parameters (those are not what the
        enclosing scope binds)."""
        if not (isinstance(value, ast.Lambda) and isinstance(value.body, ast.Call)):
            return None
        params = {a.arg for a in [*value.args.posonlyargs, *value.args.args,
                                  *value.args.kwonlyargs]}
        params |= {a.arg for a in (value.args.vararg, value.args.kwarg) if a is not None}
        if any(isinstance(n, ast.Name) and n.id in params for n in ast.walk(value.body.func)):
            return None
        return self.value(value.body)

    def _replaced_in_class_body(self, name: str, node: ast.AST, class_qualname: str) -> None:
        """`fetch = Mock(...)` in a class body: the method of that name the class would
        otherwise inherit is replaced for its instances."""
        site = self._site(node, Ref("attr", name, None, "self", None, f"self.{name}"),
                          "other", "replaced")
        self.facts.replacements.append(_with(
            site, enclosing_class=class_qualname))

    def _runtime_binding(self, node: ast.Call) -> None:
        """Calls that decide at run time what a name is: a lookup by computed name, a test
        double made from a class, a replacement of an attribute."""
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else (
            func.id if isinstance(func, ast.Name) else "")
        if isinstance(func, ast.Attribute) and func.attr in ("update", "setdefault") and (
                self.text(func.value).endswith("__dict__") or (
                    isinstance(func.value, ast.Call) and self.text(func.value.func) == "vars")):
            holder = func.value
            self._computed_store(  # `o.__dict__.update(kw)`, `vars(o).update(kw)`
                holder.value if isinstance(holder, ast.Attribute) else (
                    holder.args[0] if isinstance(holder, ast.Call) and holder.args else None))
        if last == "getattr":
            self._lookup_by_name(node)
        elif last in _MOCK_CLASSES:
            self._double_of_class(node, last)
        elif last in _REPLACING_CALLS:
            self._replacing_call(node, last)

    def _dynamic_lookup(self, func: ast.expr) -> tuple[Ref, str, tuple[str, ...]] | None:
        """A `getattr(obj, <name>)` about to be called: the callee as if it were
        `obj._` (so the receiver is typed like any other: the planner puts each method name
        in for `_`), the constant start of the name ("" when wholly computed), and the
        names it can only be (a loop variable over literal strings: `for n in ("a", "b")`;
        empty: any). Also a local name bound to a wholly computed lookup in the same
        function. None when `func` is no such lookup."""
        if isinstance(func, ast.Name):
            scope = self.current_def()
            if scope.fact is None or func.id not in scope.dynamic_names:
                return None
            return scope.dynamic_names[func.id], "", ()
        if not (isinstance(func, ast.Call) and isinstance(func.func, ast.Name)
                and func.func.id == "getattr" and len(func.args) >= 2):
            return None
        name = func.args[1]
        prefix = name.value if isinstance(name, ast.Constant) and isinstance(
            name.value, str) else _constant_prefix(name)
        choices = self.scopes[-1].literal_names.get(name.id, ()) if isinstance(
            name, ast.Name) else ()
        return self.ref(ast.Attribute(func.args[0], "_", ast.Load())), prefix or "", choices

    def _lookup_by_name(self, node: ast.Call) -> None:
        """`getattr(self, "on_" + name)`, `getattr(self, "stop")`: the name's constant part."""
        parent = self.parent()
        if isinstance(parent, ast.Call) and parent.func is node:
            return  # called at once: a site in `dynamic_calls` says how its result is used
        if len(node.args) >= 2:
            name = node.args[1]
            prefix = name.value if isinstance(name, ast.Constant) and isinstance(
                name.value, str) else _constant_prefix(name)
            if prefix:
                self.facts.dynamic_prefixes.setdefault(prefix, self.lines.span(node))

    def _double_of_class(self, node: ast.Call, last: str) -> None:
        """`Mock(spec=Store)`, `create_autospec(Store)`: a double answering for `Store`."""
        specs = [k.value for k in node.keywords if k.arg in ("spec", "spec_set")]
        if last == "create_autospec" or not specs:
            specs += node.args[:1]
        for spec in specs:
            if isinstance(spec, (ast.Name, ast.Attribute)):
                self.facts.doubled_classes.setdefault(self.name_of(spec), self.lines.span(spec))

    def _replacing_call(self, node: ast.Call, last: str) -> None:
        """`setattr(o, "n", v)`, `patch("m.n")`, `patch.object(C, "n")`, trial's
        `self.patch(o, "n", v)`, `monkeypatch.setattr(...)`, `patch.multiple(C, n=...)`."""
        args = node.args
        first = args[0] if args else None
        first_text = first.value if isinstance(first, ast.Constant) and isinstance(
            first.value, str) else None
        # mock's `patch("m.n")` and `patch.object(C, "n")` with no replacement given make
        # the double themselves: a MagicMock, or an AsyncMock for an `async def`.
        given = any(k.arg in ("new", "new_callable") for k in node.keywords)
        new = [k.value for k in node.keywords if k.arg == "new"]
        if first_text is not None and first is not None:
            # `patch("pkg.mod.name")`, `monkeypatch.setattr("pkg.mod.name", v)`
            self._replaced(first_text, first, qualified=first_text if "." in first_text else None,
                           auto=last == "patch" and len(args) == 1 and not given,
                           value=next(iter([*args[1:2], *new]), None))
        if len(args) >= 2 and isinstance(args[1], ast.Constant) and isinstance(
                args[1].value, str) and first is not None and first_text is None:
            self._replaced(args[1].value, args[1], owner=first,
                           auto=last == "object" and len(args) == 2 and not given,
                           value=next(iter([*args[2:3], *new]), None))
            self.facts.attribute_stores.setdefault(args[1].value, []).append(
                ("", Value("other"), ""))
        elif last in ("setattr", "__setattr__") and len(args) >= 2 and first_text is None:
            self._computed_store(first)  # `setattr(o, name, v)`
        if first_text is not None:
            self.facts.attribute_stores.setdefault(first_text.rsplit(".", 1)[-1], []).append(
                ("", Value("other"), ""))
        for keyword in node.keywords if last == "multiple" else ():
            if keyword.arg:
                self.facts.attribute_stores.setdefault(keyword.arg, []).append(
                    ("", Value("other"), ""))
        if last == "multiple":
            for keyword in node.keywords:
                if not keyword.arg:
                    continue
                auto = self.text(keyword.value).endswith("DEFAULT")
                if first_text is not None:
                    self._replaced(keyword.arg, keyword, qualified=f"{first_text}.{keyword.arg}",
                                   auto=auto)
                elif first is not None:
                    self._replaced(keyword.arg, keyword, owner=first, auto=auto)

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        scope = self.current_def()
        if scope.fact is not None:
            scope.fact.declared_outer += tuple(node.names)
        if isinstance(node, ast.Global):
            self._rebound_globals.update(node.names)

    visit_Nonlocal = visit_Global
    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        scope = self.current_def()
        if node.name and scope.fact is not None:
            scope.fact.assignments.setdefault(node.name, []).append(Value("other"))
        self.generic_visit(node)

    def _module_binding(self, node: ast.Assign) -> None:
        """`Base = unittest.TestCase` (an alias a class may derive from) and `store =
        Store()` (a singleton whose methods calls on `store` reach)."""
        written = self._value_type(node.value, self.scopes[-1]) if isinstance(
            node.value, ast.Call) else None
        for target in node.targets:
            if not isinstance(target, ast.Name):
                continue
            if isinstance(node.value, (ast.Name, ast.Attribute)):
                aliases = self.facts.name_aliases.setdefault(target.id, [])
                if self.name_of(node.value) not in aliases:
                    aliases.append(self.name_of(node.value))
            known = self.facts.module_types.get(target.id)
            if known is None:
                self.facts.module_types[target.id] = written or ""
            elif known != written:
                self.facts.module_types[target.id] = ""

    def visit_Assign(self, node: ast.Assign) -> None:
        self._replaced_targets(node.targets, node.value)
        if self.scopes[-1].kind == "module":
            self._module_binding(node)
        if self.scopes[-1].kind == "class":
            cls = self.class_facts.get(self.scopes[-1].qualname)
            if cls is not None:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        cls.class_attrs.setdefault(target.id, self.text(node.value))
                        if isinstance(node.value, ast.Call):
                            # `store = Store()` in the body: `self.store` until reassigned
                            self._attribute_type(cls.qualname, target.id,
                                                 self._value_type(node.value, self.scopes[-1])
                                                 or "")
                        # `fetch = Mock(...)` or `get_raw = get` in a class body: a method of
                        # that name in a base is replaced for this class's instances.
                        if not isinstance(node.value, (ast.Constant, *_PLAIN_NODES)):
                            self._replaced_in_class_body(target.id, target, cls.qualname)
        self._value_ref(node.value, "stored", ", ".join(self.text(t) for t in node.targets))
        self._attribute_stores(node.targets, self._stored(node.value))
        scope = self.current_def()
        if scope.fact is not None and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            lookup = self._dynamic_lookup(node.value)
            if lookup is not None and isinstance(node.value, ast.Call) and not lookup[1]:
                scope.dynamic_names[node.targets[0].id] = lookup[0]
            else:
                scope.dynamic_names.pop(node.targets[0].id, None)
        if scope.fact is not None:
            value = self.value(node.value)
            for target in node.targets:
                self._record_assignment(scope.fact, target, value)
        self._record_attribute_type(node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._annotated_attribute(node)
        if node.value is not None:
            self._replaced_targets([node.target], node.value)
            self._attribute_stores([node.target], self._stored(node.value))
        scope = self.current_def()
        if scope.fact is not None and node.value is not None:
            self._record_assignment(scope.fact, node.target, self.value(node.value))
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._value_ref(node.value, "other", "augmented assignment")
        self._attribute_stores([node.target], Value("other"))
        scope = self.current_def()
        if scope.fact is not None:
            self._record_assignment(scope.fact, node.target, Value("other"))
        self.generic_visit(node)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._attribute_stores([node.target], Value("other"))
        scope = self.current_def()
        if scope.fact is not None:
            self._record_assignment(scope.fact, node.target, Value("other"))
        choices = _literal_loop(node)
        if not choices:
            self.generic_visit(node)
            return
        # In the body, and in `else:` (which runs after the last of them was bound).
        assert isinstance(node.target, ast.Name)
        name = node.target.id
        here = self.scopes[-1]
        before = here.literal_names.get(name)
        here.literal_names[name] = choices
        self.generic_visit(node)
        if before is None:
            here.literal_names.pop(name, None)
        else:
            here.literal_names[name] = before

    visit_AsyncFor = visit_For

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._value_ref(node.value, "stored", self.text(node.target))
        scope = self.current_def()
        if scope.fact is not None:
            self._record_assignment(scope.fact, node.target, self.value(node.value))
        self.generic_visit(node)

    def _record_assignment(self, fact: FunctionFact, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            fact.assignments.setdefault(target.id, []).append(value)
            fact.comprehension_names -= {target.id}  # bound in the body itself too
        else:
            elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            for element in elements:
                if isinstance(element, ast.Starred):
                    element = element.value
                if isinstance(element, ast.Name):
                    fact.assignments.setdefault(element.id, []).append(Value("other"))
                elif isinstance(element, (ast.Tuple, ast.List)):
                    self._record_assignment(fact, element, Value("other"))

    def _record_attribute_type(self, node: ast.Assign) -> None:
        """`self.x = Store()` (or a literal, or an annotated parameter) in a method types
        `self.x`; assignments of different types, or of values whose type is unknown, make
        it unknown (""), since any of them may be what a later call finds."""
        scope = self.current_def()
        if not scope.class_qualname or scope.kind == "lambda":
            return
        if isinstance(node.value, ast.Constant) and node.value.value is None:
            return  # `self.x = None` until set: a call on it fails either way
        cls_name = self._value_type(node.value, scope)
        for target in node.targets:
            if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id == "self"):
                self._attribute_type(scope.class_qualname, target.attr, cls_name or "")

    def _attribute_type(self, class_qualname: str, attr: str, written: str,
                        declared: bool = False) -> None:
        cls = self.class_facts.get(class_qualname)
        if cls is None:
            return
        if declared:
            cls.declared_attrs.add(attr)
            cls.attribute_types[attr] = written
        elif attr in cls.declared_attrs:
            return
        elif cls.attribute_types.setdefault(attr, written) != written:
            cls.attribute_types[attr] = ""  # assigned more than one type

    def _value_type(self, value: ast.expr, scope: _Scope) -> str | None:
        if isinstance(value, ast.Yield) and scope.kind == "ic" and isinstance(
                value.value, ast.Call):
            # `self._http = yield HTTPSession(...)`: inlineCallbacks hands back what is not
            # a Deferred as it is (the index does not trust classes deriving from Deferred).
            return self._value_type(value.value, scope)
        if isinstance(value, ast.Call):
            name = self.table.resolve(value.func)
            if name is None and isinstance(value.func, (ast.Name, ast.Attribute)):
                name = self.text(value.func)
            return name
        if isinstance(value, ast.Name) and scope.fact is not None:
            # `self.store = store` where the parameter is annotated `store: Store`
            return scope.fact.param_types.get(value.id)
        literal = _LITERAL_TYPES.get(type(value))
        if literal is not None:
            return literal
        if isinstance(value, ast.Constant):
            return type(value.value).__name__
        return None

    def _annotated_attribute(self, node: ast.AnnAssign) -> None:
        """`self.x: Dict[str, int] = {}` in a method, or `x: Store` in a class body."""
        scope = self.scopes[-1]
        target = node.target
        written = _annotation_type(node.annotation, self.table)
        if scope.kind == "class" and isinstance(target, ast.Name):
            self._attribute_type(scope.qualname, target.id, written or "", declared=True)
            return
        owner = self.current_def()
        if (owner.class_qualname and owner.kind != "lambda" and isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name) and target.value.id == "self"):
            self._attribute_type(owner.class_qualname, target.attr, written or "",
                                 declared=True)

    def visit_Return(self, node: ast.Return) -> None:
        self._value_ref(node.value, "returned")
        scope = self.current_def()
        if not isinstance(node.value, ast.Call):
            scope.plain_return = True
        if scope.fact is not None:
            scope.fact.returns += (self.value(node.value),)
        self.generic_visit(node)

    def visit_Yield(self, node: ast.Yield) -> None:
        self._value_ref(node.value, "other", "yield")  # `yield f`: the function object
        self._yield(node, node.value, is_from=False)

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        self._yield(node, node.value, is_from=True)

    def _yield(self, node: ast.Yield | ast.YieldFrom, value: ast.expr | None,
               is_from: bool) -> None:
        scope = self.current_def()
        if scope.fact is not None:
            parent = self.parent()
            context = "expression"
            if isinstance(parent, ast.Expr):
                context = "statement"
            elif isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is node:
                context = "assign"
            scope.fact.yields += (
                YieldFact(
                    span=self.lines.span(node),
                    value=self.value(value),
                    value_span=self.lines.span(value) if value is not None else None,
                    is_from=is_from,
                    context=context,  # type: ignore[arg-type]
                ),
            )
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if type(func) is ast.Attribute and func.attr in CHAIN_METHODS:
            self.defs[-1].chain_call = True
        self._runtime_binding(node)
        resolved = self.table.resolve(func)
        if resolved == _SUCCEED and len(node.args) == 1 and not node.keywords:
            self._succeed_failure(node, func)
        elif resolved == _FAILURE and not self.facts.failure_values:
            self.facts.failure_values = self._failure_as_data(node)
        scope = self.current_def()
        if scope.fact is not None and (resolved or self.text(func)).rpartition(".")[2] in (
                _WARNING_READERS):
            scope.fact.inspects_warnings = True
        if resolved == RETURN_VALUE:
            self._return_value(node, scope)
        elif isinstance(func, ast.Name) and scope.fact is not None:
            scope.fact.calls_return_value_helper += (func.id,)
        if isinstance(func, (ast.Name, ast.Attribute)) and not (
            isinstance(func, ast.Name) and (func.id == "super" or self._lambda_bound(func.id))
        ):
            usage, detail = self._usage(node)
            self.facts.calls.append(self._site(node, self.ref(func), usage, detail))
        lookup = self._dynamic_lookup(func)
        if lookup is not None:
            usage, detail = self._usage(node)
            site = self._site(node, lookup[0], usage, detail)
            self.facts.dynamic_calls.append(_with(site, computed=True, name_prefix=lookup[1],
                                                  name_choices=lookup[2]))
        # Uncalled references handed over as arguments: `callLater(0, self.tick)`.
        callee = self.text(func)
        handed_over = [] if self._inspects_only(node) else self._handed_over(node, callee)
        for arg, receiver in handed_over:
            handed = self._dynamic_lookup(arg)
            if handed is not None:
                # `maybeDeferred(handler, m)` with `handler = getattr(obj, name)`, or
                # `callLater(0, getattr(obj, name))`: the API calls what the lookup found,
                # a caller of any method it may find, as `getattr(obj, name)(...)` is.
                site = self._site(arg, handed[0], "argument", receiver or callee,
                                  uncalled=True, handed_to="" if receiver is not None else None)
                self.facts.dynamic_calls.append(
                    _with(site, computed=True, name_prefix=handed[1], name_choices=handed[2]))
            if isinstance(arg, (ast.Name, ast.Attribute)) and not (
                    isinstance(arg, ast.Name) and self._lambda_bound(arg.id)):
                ref = self.ref(arg)
                if ref.name:
                    site = self._site(arg, ref, "argument", receiver or callee, uncalled=True,
                                      handed_to="" if receiver is not None else None)
                    self.facts.calls.append(site)
        self.generic_visit(node)

    @staticmethod
    def _handed_over(node: ast.Call, callee: str
                     ) -> list[tuple[ast.expr, str | None]]:
        """Each argument with what receives it: the called function itself, or, for a
        callback API's arguments past the callable it calls (`maybeDeferred(f, g)`,
        `d.addCallback(f, g)`), that callable, which gets them as its own arguments (its
        text; None where it is not a plain name, so nothing exempts the value)."""
        api_name = twisted_api.callback_api(callee)
        positions, keywords = twisted_api.callback_slot(api_name or "")
        slot: ast.expr | None = None
        if api_name is not None:
            slot = next((node.args[i] for i in positions if i < len(node.args)), None)
            slot = slot or next((k.value for k in node.keywords if k.arg in keywords), None)
        forwarded = (_text(slot) if isinstance(slot, (ast.Name, ast.Attribute)) else None)
        found: list[tuple[ast.expr, str | None]] = []
        for index, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred):
                continue
            inside = api_name is None or index in positions
            found.append((arg, callee if inside else forwarded))
        for keyword in node.keywords:
            inside = api_name is None or keyword.arg in keywords
            found.append((keyword.value, callee if inside else forwarded))
        return found

    def _failure_as_data(self, node: ast.Call) -> bool:
        """`answers.append(Failure(e))`: a Failure made to be stored, not to fail a Deferred
        at once (`fail(Failure(e))`, `d.errback(Failure(e))`, `raise`)."""
        parent = self.parent()
        consumer = ""
        if isinstance(parent, ast.Call) and node in parent.args:
            consumer = self.name_of(parent.func).rsplit(".", 1)[-1]
        return consumer not in _FAILURE_CONSUMERS and not isinstance(parent, ast.Raise)

    def _succeed_failure(self, node: ast.Call, func: ast.expr) -> None:
        """`succeed(Failure(e))`: a fake that "succeeds" with a failure
        (rules/txa014_failure_in_succeed.py)."""
        arg = node.args[0]
        stored: Span | None = None
        if isinstance(arg, ast.Call) and self.table.resolve(arg.func) == _FAILURE:
            new, qualified = "fail", _FAIL
        elif isinstance(arg, ast.Name) and self._plain_local(arg.id):
            return  # a local only ever bound to values that are never a Failure
        elif isinstance(arg, (ast.Name, ast.Attribute, ast.Subscript)) or (
                isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute)
                and arg.func.attr in ("pop", "popleft", "get")):
            new, qualified, stored = "maybeDeferred", _MAYBE_DEFERRED, self.lines.span(arg)
        else:
            return
        span = self.lines.span(func)
        rename: Span | None = None
        import_new = False
        if isinstance(func, ast.Attribute):
            rename = Span(span.end_line, span.end_col - len(func.attr), span.end_line,
                          span.end_col)
        elif isinstance(func, ast.Name):
            fact = self.current_def().fact
            local = fact is not None and fact.binds_locally(new)
            bound = self.table.bindings.get(new)
            if not local and (bound == qualified or (bound is None
                                                     and new not in self.facts.module_names)):
                rename, import_new = span, bound is None
        owner = self.current_def().class_qualname or ""
        self.facts.failure_successes.append(FailureSuccess(
            self.lines.span(node), rename, import_new, stored, owner))

    def _plain_local(self, name: str) -> bool:
        """Whether `name`, read here, is a local (of this function or, in a closure, of the
        function that binds it) whose every binding is a value that is never a Failure: a
        literal or display, an f-string, an operation on such (`_PLAIN_NODES`), a string's
        `join`/`format`, a `Mock` made without a spec, or a `for` over `range(...)`. Not a
        parameter, nor a name declared `global`/`nonlocal` anywhere in that function (a test
        double's `succeed(answer)` of such a local is no stored value a test may have made
        a Failure)."""
        for node in reversed(self.stack):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):
                break
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                for comp in node.generators:
                    if _binds(comp.target, name):
                        # `[succeed(i) for i in range(n)]`: an int; any other target, unknown
                        return (isinstance(comp.target, ast.Name) and not comp.is_async
                                and isinstance(comp.iter, ast.Call)
                                and isinstance(comp.iter.func, ast.Name)
                                and comp.iter.func.id == "range" and self._builtin_range())
        for scope in reversed(self.scopes):
            if scope.kind == "lambda":
                if name in scope.params:
                    return False
                continue
            if scope.kind == "class":
                continue
            if scope.kind == "module" or scope.fact is None or scope.node is None:
                return False
            if not scope.fact.binds_locally(name):
                continue
            if name in scope.fact.all_params:
                return False
            return self._only_plain_bindings(scope.node, name)
        return False

    def _only_plain_bindings(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str
                             ) -> bool:
        found = False
        for node in ast.walk(fn):
            if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                return False
            if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name == name or (
                    isinstance(node, ast.MatchMapping) and node.rest == name):
                return False  # a `case` pattern binds it
            if not (isinstance(node, ast.Name) and node.id == name
                    and not isinstance(node.ctx, ast.Load)):
                continue
            found = True
        if not found:
            return False
        builtin_range = self._builtin_range()
        for stmt in _own_statements(fn):
            for target, value in _bindings(stmt, name, builtin_range):
                if target is None or value is None or not self._never_failure(value):
                    return False
        # Every binding seen: assignments and `for` targets of the function's own frame;
        # any other (`with ... as`, `except ... as`, unpacking, `:=`, import) is one
        # `_bindings` reports as unknown, and a nested function's is its own local.
        return True

    def _builtin_range(self) -> bool:
        return self._builtin("range")

    def _inspects_only(self, node: ast.Call) -> bool:
        """A call of a builtin that looks at its arguments without calling them
        (`_INSPECTING_BUILTINS`): what it is given is not handed over."""
        func = node.func
        return (isinstance(func, ast.Name) and func.id in _INSPECTING_BUILTINS
                and not (func.id == "type" and len(node.args) != 1)
                and self._builtin(func.id))

    def _builtin(self, name: str) -> bool:
        """`name` is the builtin here: neither the module nor an enclosing function binds
        it."""
        return name not in self.facts.module_names and name not in (
            self.table.bindings) and not any(
                s.fact is not None and s.fact.binds_locally(name) for s in self.scopes)

    def _never_failure(self, value: ast.expr) -> bool:
        if isinstance(value, _PLAIN_NODES):
            return True
        if not isinstance(value, ast.Call):
            return False
        func = value.func
        if (isinstance(func, ast.Attribute) and func.attr in ("join", "format")
                and isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)):
            return True
        if isinstance(func, ast.Name) and func.id in _PLAIN_BUILTINS and self._builtin(func.id):
            return True
        resolved = self.table.resolve(func) or ""
        return (resolved.rpartition(".")[2] in _MOCKS
                and resolved.rpartition(".")[0] in ("unittest.mock", "mock")
                and not value.args
                and not any(k.arg in ("spec", "spec_set", None) for k in value.keywords))

    def _site(self, node: ast.AST, callee: Ref, usage: Usage, detail: str,
              uncalled: bool = False, handed_to: str | None = "") -> CallSite:
        scope = self.current_def()
        immediate = False
        if usage == "yielded" and scope.kind == "ic":
            immediate = True
        elif usage == "awaited" and scope.kind == "async":
            immediate = True
        own_line = False
        if usage in ("statement", "returned", "stored") and scope.kind in (
                "ic", "async", "plain"):
            statement = self.parent()
            if isinstance(statement, ast.Assign):
                # `x = f()`: a coroutine can be started right after, whatever `x` is for.
                own_line = (len(statement.targets) == 1
                            and isinstance(statement.targets[0], ast.Name)
                            and statement.value is node and self.lines.alone(statement))
            else:
                own_line = isinstance(statement, (ast.Expr, ast.Return)) and self.lines.alone(
                    statement)
        narrowed = None
        if self.narrowing and callee.kind == "attr" and callee.receiver == "other":
            first = callee.text.split(".", 1)[0]
            for name, cls, depth in reversed(self.narrowing):
                if name == first and depth == len(self.scopes):
                    narrowed = (name, cls)
                    break
        return CallSite(
            span=self.lines.span(node),
            callee=callee,
            usage=usage,
            own_line=own_line,
            narrowed=narrowed,
            detail=detail,
            enclosing=scope.qualname if scope.kind != "module" else "",
            scope=scope.kind,
            enclosing_class=scope.class_qualname,
            uncalled=uncalled,
            handed_to=(detail if handed_to == "" else handed_to) if uncalled else None,
            immediate=immediate,
        )

    def _usage(self, node: ast.Call) -> tuple[Usage, str]:
        parent = self.parent()
        if isinstance(parent, ast.Await):
            return "awaited", ""
        if isinstance(parent, ast.Yield):
            scope = self.current_def()
            return ("yielded", "") if scope.kind in ("ic", "plain") else ("other", "")
        if isinstance(parent, ast.Expr):
            return "statement", ""
        if isinstance(parent, ast.Return):
            return "returned", ""
        if isinstance(parent, ast.Lambda):
            return "returned", "lambda"
        if isinstance(parent, ast.Assign) and self._coroutine_checked(parent):
            return "checked", self.text(parent.targets[0])
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            return "stored", ", ".join(self.text(t) for t in targets)
        if isinstance(parent, ast.Attribute):
            return "deferred-method", parent.attr
        if isinstance(parent, ast.Call) and parent.func is not node:
            return "argument", self.text(parent.func)
        if isinstance(parent, ast.keyword):
            grand = self.parent(2)
            return "argument", self.text(grand.func) if isinstance(grand, ast.Call) else ""
        if isinstance(parent, (ast.List, ast.Tuple, ast.Set)):
            # `gatherResults([f(), g()])`: the container is what gets passed on.
            grand = self.parent(2)
            if isinstance(grand, ast.Call):
                return "argument", self.text(grand.func)
        return "other", type(parent).__name__ if parent is not None else ""

    def _coroutine_checked(self, assign: ast.Assign) -> bool:
        """`r = f()` whose next statement is `if inspect.iscoroutine(r):` (or
        `isawaitable`): a dispatcher that already takes coroutines."""
        if len(assign.targets) != 1 or not isinstance(assign.targets[0], ast.Name):
            return False
        name = assign.targets[0].id
        for block in self.blocks[-1:]:
            index = next((i for i, stmt in enumerate(block) if stmt is assign), -1)
            if index >= 0:
                following = block[index + 1] if index + 1 < len(block) else None
                if not isinstance(following, ast.If) or following.orelse:
                    return False
                test = following.test
                if not (isinstance(test, ast.Call) and len(test.args) == 1
                        and isinstance(test.args[0], ast.Name) and test.args[0].id == name):
                    return False
                check = self.table.resolve(test.func)
                if check not in _COROUTINE_CHECKS or len(following.body) != 1:
                    return False
                return self._starts_checked(following.body[0], name,
                                            check == "inspect.isawaitable")
        return False

    def _starts_checked(self, stmt: ast.stmt, name: str, any_awaitable: bool) -> bool:
        """The body of the check: `[r =] ensureDeferred(r)` (the same Deferred as before for
        a Deferred, a started one for a coroutine) or, after `isawaitable`, `r = await r`."""
        if isinstance(stmt, ast.Assign):
            if not (len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id == name):
                return False
            value = stmt.value
        elif isinstance(stmt, ast.Expr):
            value = stmt.value
        else:
            return False
        if isinstance(value, ast.Await):
            return (any_awaitable and isinstance(stmt, ast.Assign)
                    and isinstance(value.value, ast.Name) and value.value.id == name)
        return (isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords
                and isinstance(value.args[0], ast.Name) and value.args[0].id == name
                and self.table.resolve(value.func) in _STARTERS)

    def _return_value(self, node: ast.Call, scope: _Scope) -> None:
        parent = self.parent()
        as_statement = isinstance(parent, ast.Expr)
        nargs = len(node.args) + len(node.keywords)
        unpacked = any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg != "val" for k in node.keywords)
        if scope.kind == "ic" and scope.fact is not None:
            guard = scope.guards[-1] if scope.guards else ""
            # A BaseException handler outranks a `with`: it swallows, the `with` only observes.
            for kind in ("bare-except", "baseexception"):
                if kind in scope.guards:
                    guard = kind
            scope.fact.return_values += (
                ReturnValueFact(self.lines.span(node), True, nargs, as_statement,
                                guard, unpacked),  # type: ignore[arg-type]
            )
            return
        ic_scopes = self.enclosing_ic_scopes()
        if ic_scopes:
            for ic in ic_scopes:
                if ic.fact is not None and ic.fact.nested_return_value is None:
                    ic.fact.nested_return_value = self.lines.span(node)
        if scope.fact is not None:
            scope.fact.own_return_value_anywhere = True


def module_name_for(path: str, root: str | None = None) -> tuple[str, bool]:
    """Dotted module name from the package folders (`__init__.py`) above the file."""
    import os

    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = filename[:-3] if filename.endswith(".py") else filename
    is_package = stem == "__init__"
    parts = [] if is_package else [stem]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, pkg = os.path.split(directory)
        parts.insert(0, pkg)
        if root is not None and os.path.abspath(directory) == os.path.abspath(root):
            break
    return ".".join(parts) or stem, is_package


def extract_facts(source: str, path: str, module: str | None = None,
                  is_package: bool | None = None) -> ModuleFacts:
    """Facts for one module's text. A syntax error yields facts with `error` set."""
    if module is None or is_package is None:
        module, is_package = module_name_for(path)
    facts = ModuleFacts(path=path, module=module, is_package=is_package)
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        facts.error = f"{exc.lineno or 1}:{(exc.offset or 1)}: cannot parse: {exc.msg}"
        return facts
    except (ValueError, RecursionError, MemoryError) as exc:
        facts.error = f"1:1: cannot parse: {exc}"
        return facts
    table = build_import_table(tree, module, is_package)
    facts.imports = dict(table.bindings)
    facts.runtime_imports = set(table.runtime)
    facts.imported_modules = set(table.imported_modules)
    facts.module_names = set(table.other_bindings)
    facts.star_imports = list(table.star_modules)
    try:
        _FactWalker(source, table, facts).walk(tree)
    except RecursionError:
        facts.error = "1:1: cannot analyse: the code is nested too deeply"
        return facts
    facts.import_alternatives = {
        name: sorted(targets) for name, targets in table.targets.items()
        if len(targets) > 1 or facts.module_bindings.get(name, 0) > 1}
    facts.noqa = parse_noqa(source)
    facts.generator_aliases = generator_aliases(tree, table)
    if "__all__" in source:
        facts.exports = module_exports(tree)
    return facts


def _strings(node: ast.expr) -> list[str] | None:
    """The strings of a list, tuple or set of string constants, else None."""
    if not isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return None
    out = []
    for item in node.elts:
        if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
            return None
        out.append(item.value)
    return out


def module_exports(tree: ast.Module) -> tuple[str, ...] | None:
    """`ModuleFacts.exports`: the names the module-level `__all__` lists (its top-level
    `if`/`try`/`with` blocks too, every branch counted), EXPORTS_ANY where some binding
    of it is not a literal of strings, None where the module never binds it."""
    names: list[str] = []
    seen = False
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        stmt = pending.pop(0)
        if isinstance(stmt, (ast.If, ast.Try, ast.TryStar, ast.With, ast.AsyncWith)):
            blocks = [getattr(stmt, f, []) for f in ("body", "orelse", "finalbody")]
            blocks += [handler.body for handler in getattr(stmt, "handlers", [])]
            pending[:0] = [inner for block in blocks for inner in block]
            continue
        value: ast.expr | None = None
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            targets, value = [stmt.target], stmt.value
        elif (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
              and isinstance(stmt.value.func, ast.Attribute)
              and isinstance(stmt.value.func.value, ast.Name)
              and stmt.value.func.value.id == "__all__"):
            call = stmt.value
            method = stmt.value.func.attr
            seen = True
            if method == "extend" and len(call.args) == 1:
                found = _strings(call.args[0])
            elif method == "append" and len(call.args) == 1 and isinstance(
                    call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
                found = [call.args[0].value]
            else:
                found = None  # .remove(), .insert(): what is left is not read here
            if found is None:
                return EXPORTS_ANY
            names += found
            continue
        if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            if any(isinstance(n, ast.Name) and n.id == "__all__"
                   for t in targets for n in ast.walk(t)):
                return EXPORTS_ANY  # `__all__, x = ...` and the like
            continue
        seen = True
        found = _strings(value) if value is not None and len(targets) == 1 else None
        if found is None:
            return EXPORTS_ANY
        names += found
    return tuple(dict.fromkeys(names)) if seen else None


_TYPE_VARS = {"typing.TypeVar", "typing_extensions.TypeVar"}
_TYPE_ALIAS = {"typing.TypeAlias", "typing_extensions.TypeAlias"}


def generator_aliases(tree: ast.Module, table: ImportTable) -> dict[str, GeneratorAlias]:
    """The module's top-level aliases of `typing.Generator` (in its top-level `if` blocks
    too, `if TYPE_CHECKING:` among them). An old-style alias's type parameters are the
    module's TypeVars in the order they first appear in it, as PEP 484 has it."""
    statements: list[ast.stmt] = []
    pending = list(tree.body)
    while pending:
        stmt = pending.pop(0)
        statements.append(stmt)
        if isinstance(stmt, ast.If):
            pending[:0] = [*stmt.body, *stmt.orelse]
    type_vars = {
        target.id for stmt in statements if isinstance(stmt, ast.Assign)
        and isinstance(stmt.value, ast.Call) and table.resolve(stmt.value.func) in _TYPE_VARS
        for target in stmt.targets if isinstance(target, ast.Name)}
    found: dict[str, GeneratorAlias] = {}
    for stmt in statements:
        name: str | None = None
        value: ast.expr | None = None
        params: list[str] | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
                stmt.targets[0], ast.Name):
            name, value = stmt.targets[0].id, stmt.value
        elif (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
              and stmt.value is not None and table.resolve(stmt.annotation) in _TYPE_ALIAS):
            name, value = stmt.target.id, stmt.value
        elif type(stmt).__name__ == "TypeAlias":  # `type X[T] = ...` (Python 3.12)
            alias_name = getattr(stmt, "name", None)
            if isinstance(alias_name, ast.Name):
                name, value = alias_name.id, getattr(stmt, "value", None)
                params = [getattr(p, "name", "") for p in getattr(stmt, "type_params", [])]
        if name is None or not isinstance(value, ast.Subscript):
            continue
        if table.resolve(value.value) not in GENERATOR_TYPES:
            continue
        args = value.slice
        if not isinstance(args, ast.Tuple) or len(args.elts) != 3:
            continue
        if params is None:
            params = []
            names = sorted((n for n in ast.walk(value.slice) if isinstance(n, ast.Name)),
                           key=lambda n: (n.lineno, n.col_offset))
            for node in names:
                if node.id in type_vars and node.id not in params:
                    params.append(node.id)
        if name in found:  # bound twice: not one alias
            found.pop(name)
            continue
        found[name] = GeneratorAlias(tuple(params), ast.unparse(args.elts[2]))
    return found
