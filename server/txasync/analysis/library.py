"""What a library function or method returns, read from the library's own source.

`yield agent.request(...)`, `yield pool.runInteraction(...)`, `yield lock.acquire()`: the
workspace holds no body for these, so without this module each becomes the conservative
`await defer.maybeDeferred(...)`. Twisted says what its API returns, in return annotations
(`-> Deferred[IResponse]`), in epytext (`@return: a L{Deferred} which ...`) and in the
interfaces a class implements (`IStreamClientEndpoint.connect`). This module reads that from
the source on the project interpreter's import path (the same files the index reads library
classes from; nothing is imported or run) and answers "awaitable", "plain" or "unknown".

What counts, in order, for one definition:

1. `async def`, or `@inlineCallbacks`: awaitable. Any other decorator that may change what a
   call returns (not in `twisted_api.RESULT_TRANSPARENT_DECORATORS`): unknown.
2. A return annotation naming a Deferred, an Awaitable or a Coroutine (not a union):
   awaitable; `-> None`: plain.
3. A docstring's return line (`@return:`, `@rtype:`, `:rtype:`, `Returns:`) naming one.
4. The body: every `return` gives a Deferred-making call (`Deferred()`, `succeed`,
   `deferToThreadPool`, another library function this module judges awaitable) or a local
   bound only to those: awaitable; no `return` with a value: plain.
5. For a method still unknown: the same method of the interfaces the class (or a library
   base) declares with `@implementer(...)`, whose contract its callers rely on.

`typing.overload` variants describe every call form: when all of them say awaitable, so
does the function. The caller (analysis/plan.py) adds what a library cannot know: workspace
overrides and test doubles of the same name.
"""

from __future__ import annotations

import ast
import os
import re
from functools import lru_cache
from typing import Literal

from . import twisted_api as api
from .index import library_path, library_source_path
from .names import INLINE_CALLBACKS, build_import_table

Kind = Literal["awaitable", "plain", "unknown"]

_MAX_DEPTH = 4

_AWAITABLE_TYPE = re.compile(
    r"^(?:[LC]\{)?(?:[\w.]+\.)?(?:Deferred|Awaitable|Coroutine)\b(?!\s*(?:or\b|\||,\s*or\b))")
_ARTICLE = re.compile(r"^(?:an?|the|returns?)\s+", re.I)


def awaitable_annotation(text: str) -> bool:
    """A return annotation naming a Deferred, an Awaitable or a Coroutine, not a union
    (`Deferred[int]`, `"defer.Deferred[None]"`)."""
    text = text.strip().strip("'\"")
    return bool(text) and bool(_AWAITABLE_TYPE.match(text)) and "|" not in text and (
        not text.startswith(("Optional", "Union")))


def awaitable_doc(text: str) -> bool:
    """A docstring's return line naming one (`L{Deferred}`, `A Deferred that fires ...`)."""
    doc = _ARTICLE.sub("", text.strip())
    return bool(doc) and bool(_AWAITABLE_TYPE.match(doc))


def _annotation_kind(text: str) -> Kind:
    text = text.strip().strip("'\"")
    if not text:
        return "unknown"
    if text == "None":
        return "plain"
    return "awaitable" if awaitable_annotation(text) else "unknown"


class _Module:
    """One library module's top-level functions and classes, and its import table."""

    def __init__(self, module: str, path: str, tree: ast.Module) -> None:
        self.module = module
        self.path = path
        self.table = build_import_table(tree, module, path.endswith("__init__.py"))
        self.functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(stmt.name, []).append(stmt)
            elif isinstance(stmt, ast.ClassDef):
                self.classes[stmt.name] = stmt

    def resolve(self, node: ast.expr) -> str | None:
        found = self.table.resolve(node)
        if found is not None:
            return found
        if isinstance(node, ast.Name) and (node.id in self.functions
                                           or node.id in self.classes):
            return f"{self.module}.{node.id}"
        return None


@lru_cache(maxsize=512)
def _parse(path: str, mtime: float, module: str) -> _Module | None:
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return _Module(module, path, tree)


def _module(module: str) -> _Module | None:
    path = library_source_path(module)
    if path is None:
        return None
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        return None
    return _parse(path, mtime, module)


def is_module(qualified: str) -> bool:
    """Whether a dotted name is a library module (not a class or function in one)."""
    return library_source_path(qualified) is not None


def _locate(qualified: str, depth: int = 0) -> tuple[_Module, str] | None:
    """The library module defining `qualified` and the dotted name inside it, following
    re-exports (`from ._impl import f` in a package's `__init__`)."""
    if depth > 6:
        return None
    parts = qualified.split(".")
    for i in range(len(parts) - 1, 0, -1):
        mod = _module(".".join(parts[:i]))
        if mod is None:
            continue
        inner = parts[i:]
        head = inner[0]
        if head in mod.functions or head in mod.classes:
            return mod, ".".join(inner)
        target = mod.table.bindings.get(head)
        if target and target != qualified:
            return _locate(".".join([target, *inner[1:]]), depth + 1)
        return None
    return None


def function_kind(qualified: str) -> Kind:
    """What calling the library function (or `pkg.mod.Class.method`, looked up through
    the library bases) returns."""
    return _function_kind(qualified, 0)


@lru_cache(maxsize=4096)
def _function_kind_cached(qualified: str, depth: int, where: tuple[str, ...] | None) -> Kind:
    located = _locate(qualified)
    if located is None:
        return "unknown"
    mod, inner = located
    if "." not in inner:
        defs = mod.functions.get(inner)
        return _defs_kind(mod, defs, depth) if defs else "unknown"
    owner, _, name = inner.rpartition(".")
    if "." in owner or owner not in mod.classes:
        return "unknown"
    return _method_kind(mod, mod.classes[owner], name, depth, set())


def _function_kind(qualified: str, depth: int) -> Kind:
    return _function_kind_cached(qualified, depth, library_path())


def method_kind(class_qualified: str, name: str) -> Kind:
    """What `obj.name(...)` returns for an instance of the library class (or interface)."""
    located = _locate(class_qualified)
    if located is None:
        return "unknown"
    mod, inner = located
    if inner not in mod.classes:
        return "unknown"
    return _method_kind(mod, mod.classes[inner], name, 0, set())


def _class_defs(cls: ast.ClassDef, name: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            and s.name == name]


def _method_kind(mod: _Module, cls: ast.ClassDef, name: str, depth: int,
                 seen: set[str]) -> Kind:
    key = f"{mod.module}.{cls.name}"
    if key in seen or len(seen) > 12:
        return "unknown"
    seen.add(key)
    defs = _class_defs(cls, name)
    if defs:
        kind = _defs_kind(mod, defs, depth)
        if kind == "unknown":
            kind = _interface_kind(mod, cls, name, depth, seen)
        return kind
    if any(isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                             for t in s.targets) for s in cls.body):
        return "unknown"  # `request = _request` and friends: not followed
    for base in cls.bases:
        qualified = mod.resolve(base)
        if qualified is None:
            return "unknown"
        located = _locate(qualified)
        if located is None:
            if qualified in ("builtins.object", "object"):
                continue
            return "unknown"
        base_mod, inner = located
        if inner not in base_mod.classes:
            return "unknown"
        kind = _method_kind(base_mod, base_mod.classes[inner], name, depth, seen)
        if kind != "unknown" or _class_defs(base_mod.classes[inner], name):
            return kind
    return "unknown"


def _interface_kind(mod: _Module, cls: ast.ClassDef, name: str, depth: int,
                    seen: set[str]) -> Kind:
    """The declared return of `name` in the interfaces `@implementer(...)` names."""
    for deco in cls.decorator_list:
        if not (isinstance(deco, ast.Call) and mod.resolve(deco.func) in (
                "zope.interface.implementer", "zope.interface.declarations.implementer")):
            continue
        for arg in deco.args:
            qualified = mod.resolve(arg)
            located = _locate(qualified) if qualified else None
            if located is None or located[1] not in located[0].classes:
                continue
            iface_mod, inner = located
            defs = _class_defs(iface_mod.classes[inner], name)
            if defs and _declared_kind(defs[-1]) == "awaitable":
                return "awaitable"
    return "unknown"


def _declared_kind(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Kind:
    """What the annotation, else the docstring, says a call returns."""
    from .facts import _doc_return_type

    if fn.returns is not None:
        kind = _annotation_kind(ast.unparse(fn.returns))
        if kind != "unknown":
            return kind
    doc = ast.get_docstring(fn) or ""
    return "awaitable" if awaitable_doc(_doc_return_type(doc)) else "unknown"


def _is_overload(mod: _Module, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(mod.resolve(d) in ("typing.overload", "typing_extensions.overload")
               for d in fn.decorator_list)


def _defs_kind(mod: _Module, defs: list[ast.FunctionDef | ast.AsyncFunctionDef],
               depth: int) -> Kind:
    implementation = defs[-1]
    kind = _def_kind(mod, implementation, depth)
    if kind == "unknown":
        overloads = [d for d in defs[:-1] if _is_overload(mod, d)]
        if overloads and all(_declared_kind(d) == "awaitable" for d in overloads):
            return "awaitable"
    return kind


def _def_kind(mod: _Module, fn: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> Kind:
    if isinstance(fn, ast.AsyncFunctionDef):
        return "awaitable"
    for deco in fn.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = mod.resolve(target) or ast.unparse(target)
        if name in INLINE_CALLBACKS:
            return "awaitable"
        if not (name in api.RESULT_TRANSPARENT_DECORATORS
                or name.startswith(api.RESULT_TRANSPARENT_PREFIXES)
                or name in ("typing.overload", "typing_extensions.overload")):
            return "unknown"
    declared = _declared_kind(fn)
    if declared != "unknown":
        return declared
    if depth >= _MAX_DEPTH:
        return "unknown"
    return _body_kind(mod, fn, depth)


def _own_nodes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of `fn`'s own frame (not of nested functions, lambdas or classes)."""
    found: list[ast.AST] = []
    todo: list[ast.AST] = list(fn.body)
    while todo:
        node = todo.pop()
        found.append(node)
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                      ast.ClassDef)):
                todo.append(child)
    return found


def _body_kind(mod: _Module, fn: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> Kind:
    nodes = _own_nodes(fn)
    if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in nodes):
        return "unknown"  # a generator
    returns = [n for n in nodes if isinstance(n, ast.Return)]
    if all(r.value is None for r in returns):
        return "plain"
    bound: dict[str, list[ast.expr | None]] = {}
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, []).append(node.value)
                else:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            bound.setdefault(sub.id, []).append(None)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(
                node.target, ast.Name):
            bound.setdefault(node.target.id, []).append(
                node.value if isinstance(node, ast.AnnAssign) else None)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith,
                               ast.NamedExpr, ast.comprehension, ast.ExceptHandler,
                               ast.Global, ast.Nonlocal, ast.Import, ast.ImportFrom)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    bound.setdefault(sub.id, []).append(None)
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                for name in node.names:
                    bound.setdefault(name, []).append(None)
    params = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs,
                              *(x for x in (fn.args.vararg, fn.args.kwarg) if x)]}
    kinds = {_value_kind(mod, r.value, bound, params, depth) for r in returns}
    return kinds.pop() if len(kinds) == 1 else "unknown"


def _value_kind(mod: _Module, value: ast.expr | None, bound: dict[str, list[ast.expr | None]],
                params: set[str], depth: int, seen: frozenset[str] = frozenset()) -> Kind:
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return "plain" if value is not None else "unknown"
    if isinstance(value, ast.Name):
        if value.id in params or value.id in seen or value.id not in bound:
            return "unknown"
        kinds = {_value_kind(mod, v, bound, params, depth, seen | {value.id})
                 for v in bound[value.id]}
        return kinds.pop() if len(kinds) == 1 else "unknown"
    if isinstance(value, ast.Call):
        qualified = mod.resolve(value.func)
        if qualified is None:
            if isinstance(value.func, ast.Attribute) and value.func.attr in api.DEFERRED_METHODS:
                # `d.addCallback(...)` returns `d`: a Deferred when `d` is one
                return _value_kind(mod, value.func.value, bound, params, depth, seen)
            if isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Call):
                # `_client(kw).get(...)`: a method of what the inner call makes
                cls = _made_class(mod, value.func.value)
                if cls is not None:
                    kind = method_kind(cls, value.func.attr)
                    return "awaitable" if kind == "awaitable" else "unknown"
            return "unknown"
        if qualified in api.DEFERRED_RETURNING:
            return "awaitable"
        kind = _function_kind(qualified, depth + 1)
        return "awaitable" if kind == "awaitable" else "unknown"
    return "unknown"


def _made_class(mod: _Module, call: ast.Call) -> str | None:
    """The library class an instance made by `call` belongs to: a class called, or a
    function whose return annotation names one."""
    qualified = mod.resolve(call.func)
    if qualified is None:
        return None
    located = _locate(qualified)
    if located is None:
        return None
    owner, inner = located
    if inner in owner.classes:
        return qualified
    defs = owner.functions.get(inner)
    if not defs or defs[-1].returns is None or defs[-1].decorator_list:
        return None
    returns = defs[-1].returns
    if isinstance(returns, ast.Constant) and isinstance(returns.value, str):
        try:
            returns = ast.parse(returns.value, mode="eval").body
        except SyntaxError:
            return None
    if not isinstance(returns, (ast.Name, ast.Attribute)):
        return None
    made = owner.resolve(returns)
    found = _locate(made) if made else None
    return made if found is not None and found[1] in found[0].classes else None


def class_may_set(class_qualified: str, name: str) -> bool:
    """Whether the library class (or a library base of it) may give its instances an
    attribute `name`: it assigns `self.name` or `name` in its body, defines a method of
    that name, or its source cannot be read."""
    return _class_may_set(class_qualified, name, 0)


def _class_may_set(class_qualified: str, name: str, depth: int) -> bool:
    if depth > 10:
        return True
    located = _locate(class_qualified)
    if located is None:
        return True
    mod, inner = located
    cls = mod.classes.get(inner)
    if cls is None:
        return True
    for node in ast.walk(cls):
        if isinstance(node, ast.Attribute) and node.attr == name and isinstance(
                node.ctx, ast.Store):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return True
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                node.func.id == "setattr"):
            return True
    for base in cls.bases:
        qualified = mod.resolve(base)
        if qualified in (None, "builtins.object", "object"):
            if qualified is None:
                return True
            continue
        if _class_may_set(qualified, name, depth + 1):
            return True
    return False
