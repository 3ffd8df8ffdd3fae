"""Static name resolution for one module: which local names mean which qualified names.

Facts are only as good as the names behind them: `@ic`, `@d.inlineCallbacks` and
`@twisted.internet.defer.inlineCallbacks` are the same decorator. Resolution here is purely
syntactic (imports and simple aliases at module level), so it never runs project code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

DEFER = "twisted.internet.defer"
INLINE_CALLBACKS = {f"{DEFER}.inlineCallbacks", "pytest_twisted.inlineCallbacks"}
RETURN_VALUE = f"{DEFER}.returnValue"
GENERATOR_TYPES = {"typing.Generator", "collections.abc.Generator"}


@dataclass
class ImportTable:
    """Local name -> fully qualified name, for module-level bindings that came from imports."""

    module: str
    bindings: dict[str, str] = field(default_factory=dict)
    # Names bound at module level by anything else (assignments, defs, classes): these
    # shadow imports when they come later, and tell whether `defer` is free to import.
    other_bindings: set[str] = field(default_factory=set)
    # Import bindings that exist when the module runs: top level, not under TYPE_CHECKING.
    runtime: set[str] = field(default_factory=set)
    imported_modules: set[str] = field(default_factory=set)
    # Local name -> every qualified name an import anywhere in the module binds it to
    # (`bindings` keeps one of them): a name imported from two places, as the branches of an
    # `if` or a `try`/`except ImportError`, may stand for either at run time.
    targets: dict[str, set[str]] = field(default_factory=dict)
    # Modules of `from M import *` (absolute), in the order written: each binds whatever M
    # exports, which this module's text alone cannot tell.
    star_modules: list[str] = field(default_factory=list)

    def resolve(self, node: ast.expr) -> str | None:
        """The qualified name an expression like `d.inlineCallbacks` stands for, if static."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.bindings.get(node.id)
        if head is None:
            return None
        parts.append(head)
        return ".".join(reversed(parts))

    def local_names_for(self, qualified: str) -> list[str]:
        """Expressions (as source text) that reach `qualified` in this module."""
        found = []
        for local, target in self.bindings.items():
            if target == qualified:
                found.append(local)
            elif qualified.startswith(target + "."):
                found.append(local + qualified[len(target) :])
        return sorted(found, key=len)


def resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    """Absolute module name of `from <level dots><name> import ...` inside `module`."""
    if level == 0:
        return name or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    base = ".".join(parts)
    if name:
        return f"{base}.{name}" if base else name
    return base


def _statements(body: list[ast.stmt]):  # type: ignore[no-untyped-def]
    """Every statement, nested ones included, without descending into expressions."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(stmt, name, None)
            if children:
                stack.extend(reversed(children))


def _runtime_statements(body: list[ast.stmt]):  # type: ignore[no-untyped-def]
    """Module-level statements that run on import, through `if`/`try` but not into
    `if TYPE_CHECKING:` blocks, functions or classes."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            test = stmt.test
            name = test.id if isinstance(test, ast.Name) else (
                test.attr if isinstance(test, ast.Attribute) else "")
            if name != "TYPE_CHECKING":
                yield from _runtime_statements(stmt.body)
            yield from _runtime_statements(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            for part in (stmt.body, stmt.orelse, stmt.finalbody):
                yield from _runtime_statements(part)
            for handler in stmt.handlers:
                yield from _runtime_statements(handler.body)


def build_import_table(tree: ast.Module, module: str, is_package: bool = False) -> ImportTable:
    """Collect import bindings from the whole module.

    Imports inside functions and `if TYPE_CHECKING:` blocks count too: a decorator can only
    use names visible where it is written, and a function-level import of `inlineCallbacks` is
    rare enough that treating it as module-wide costs nothing in practice.
    """
    table = ImportTable(module)
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    table.bindings[alias.asname] = alias.name
                    table.targets.setdefault(alias.asname, set()).add(alias.name)
                else:
                    head = alias.name.split(".")[0]
                    table.bindings.setdefault(head, head)
        elif isinstance(node, ast.ImportFrom):
            base = resolve_relative(module, is_package, node.level, node.module)
            for alias in node.names:
                if alias.name == "*":
                    if base and base not in table.star_modules:
                        table.star_modules.append(base)
                    continue
                local = alias.asname or alias.name
                table.bindings[local] = f"{base}.{alias.name}" if base else alias.name
                table.targets.setdefault(local, set()).add(table.bindings[local])
    for stmt in _runtime_statements(tree.body):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                table.runtime.add(alias.asname or alias.name.split(".")[0])
                if not alias.asname:
                    table.imported_modules.add(alias.name)
        elif isinstance(stmt, ast.ImportFrom):
            table.runtime.update(a.asname or a.name for a in stmt.names if a.name != "*")
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            table.other_bindings.add(stmt.name)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        table.other_bindings.add(name.id)
            # `ic = defer.inlineCallbacks` style aliases resolve like imports.
            if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                target_q = table.resolve(stmt.value)
                if target_q is not None:
                    table.bindings[stmt.targets[0].id] = target_q
    return table
