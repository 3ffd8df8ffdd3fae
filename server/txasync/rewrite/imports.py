"""Import tidying after a conversion: drop what the rewrite made unused, add what it needs.

LibCST's `AddImportsVisitor` and `RemoveImportsVisitor` resolve scope metadata over the
whole module; measured on magic-wormhole they took 79% of `txasync fix`. The edits needed
here are narrow (top-level import statements only, names the rewrite itself removed or
introduced), so they are made directly on `Module.body`, and "unused" is decided from a
stdlib `ast` parse of the new text (every `Name` load, plus names inside string
annotations), which is much cheaper than scope analysis.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Sequence

import libcst as cst


def used_names(source: str) -> set[str]:
    """Names the module's code refers to (imports themselves excluded)."""
    tree = ast.parse(source)
    used: set[str] = set()
    annotations: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    for annotation in annotations:  # string annotations: "defer.Deferred[int]"
        for node in ast.walk(annotation):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.update(re.findall(r"[A-Za-z_]\w*", node.value))
    return used


def _local(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    name = alias.name
    while isinstance(name, cst.Attribute):
        name = name.value  # type: ignore[assignment]
    return name.value if isinstance(name, cst.Name) else ""


def _module_text(node: cst.BaseExpression | None) -> str:
    return cst.Module([]).code_for_node(node) if node is not None else ""


def remove_unused(module: cst.Module, candidates: set[str], used: set[str]) -> cst.Module:
    """Remove top-level import aliases whose local name is a candidate and unused."""
    doomed = candidates - used
    if not doomed:
        return module
    body: list[cst.BaseStatement] = []
    carry: Sequence[cst.EmptyLine] = ()
    for stmt in module.body:
        if carry:
            stmt = stmt.with_changes(leading_lines=[*carry, *stmt.leading_lines])
            carry = ()
        if (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
                and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))):
            imp = stmt.body[0]
            if isinstance(imp.names, cst.ImportStar):
                body.append(stmt)
                continue
            names = [a for a in imp.names if _local(a) not in doomed]
            if len(names) == len(imp.names):
                body.append(stmt)
                continue
            if not names:
                carry = stmt.leading_lines  # comments above the import stay
                continue
            names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            body.append(stmt.with_changes(body=[imp.with_changes(names=names)]))
            continue
        body.append(stmt)
    if carry:
        body.append(cst.SimpleStatementLine([cst.Pass()], leading_lines=carry))
    return module.with_changes(body=body)


def _merge_into_existing(module: cst.Module, from_module: str, name: str
                         ) -> cst.Module | None:
    """`from twisted.internet import task` + defer -> `from twisted.internet import defer, task`
    (the name goes in sorted position when the list is sorted, else last)."""
    for index, stmt in enumerate(module.body):
        if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
            continue
        small = stmt.body[0]
        if not (isinstance(small, cst.ImportFrom) and not small.relative
                and not isinstance(small.names, cst.ImportStar)
                and _module_text(small.module) == from_module):
            continue
        names = list(small.names)
        if any(_local(a) == name for a in names):
            return module
        if small.lpar is None and any(a.comma is not cst.MaybeSentinel.DEFAULT and
                                      "\n" in cst.Module([]).code_for_node(a)
                                      for a in names):
            return None
        plain = [_local(a) for a in names]
        position = len(names)
        if plain == sorted(plain):
            position = sum(1 for p in plain if p < name)
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        new_alias = cst.ImportAlias(cst.Name(name))
        if position == len(names):
            names[-1] = names[-1].with_changes(comma=comma)
        else:
            new_alias = new_alias.with_changes(comma=comma)
        names.insert(position, new_alias)
        if position == len(names) - 1:
            names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        body = list(module.body)
        body[index] = stmt.with_changes(body=[small.with_changes(names=names)])
        return module.with_changes(body=body)
    return None


def add_import(module: cst.Module, from_module: str, name: str | None,
               asname: str | None = None) -> cst.Module:
    """Add `from X import name [as asname]` (or `import X`) after the top-level imports,
    unless the module already has exactly that binding at top level."""
    local = asname or name or from_module.split(".")[0]
    if name is not None and asname is None:
        merged = _merge_into_existing(module, from_module, name)
        if merged is not None:
            return merged
    insert_at = 0
    for index, stmt in enumerate(module.body):
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                if (name is not None and _module_text(small.module) == from_module
                        and not small.relative
                        and any(_local(a) == local for a in small.names)):
                    return module
                insert_at = index + 1
                continue
            if isinstance(small, cst.Import):
                if name is None and any(_local(a) == local for a in small.names):
                    return module
                insert_at = index + 1
                continue
            if index == 0 and isinstance(small, cst.Expr) and isinstance(
                    small.value, (cst.SimpleString, cst.ConcatenatedString)):
                insert_at = 1  # after the module docstring
                continue
        if insert_at or index > 0:
            break
    text = f"from {from_module} import {name}" if name else f"import {from_module}"
    if asname:
        text += f" as {asname}"
    new = cst.parse_statement(text + "\n")
    body = list(module.body)
    position, before_group = _sorted_position(module, from_module)
    if position is None:
        body.insert(insert_at, new)
        return module.with_changes(body=body)
    index = position
    if before_group:
        # Before the first import of the same package that sorts after it: the blank lines
        # and comments above that import belong to the group, so they move above the new one.
        target = body[index]
        new = new.with_changes(leading_lines=target.leading_lines)
        body[index] = target.with_changes(leading_lines=[])
        body.insert(index, new)
    else:
        previous = _imported_module(body[index - 1]) if index > 0 else None
        if (previous is not None and not previous[1]
                and previous[0].split(".")[0] in sys.stdlib_module_names
                and from_module.split(".")[0] not in sys.stdlib_module_names):
            # the end of the standard library section: a third-party import starts its own
            new = new.with_changes(leading_lines=[cst.EmptyLine()])
        body.insert(index, new)
    return module.with_changes(body=body)


def _imported_module(stmt: cst.BaseStatement) -> tuple[str, bool] | None:
    """(module, relative) of a one-statement import line, None for anything else."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if isinstance(small, cst.ImportFrom):
        return _module_text(small.module), bool(small.relative)
    if isinstance(small, cst.Import):
        return _module_text(small.names[0].name), False
    return None


def _sorted_position(module: cst.Module, from_module: str) -> tuple[int | None, bool]:
    """Where isort/ruff would put an import of `from_module` among the leading imports: after
    the last import of the same top-level package that sorts before it, else before the
    first one that sorts after it (True: take over its leading lines), else before the first
    relative import (the local section). (None, False): no such place; append as before."""
    top = from_module.split(".")[0]
    last_before: int | None = None
    first_after: int | None = None
    first_relative: int | None = None
    seen_import = False
    for index, stmt in enumerate(module.body):
        found = _imported_module(stmt)
        if found is None:
            if seen_import and not _is_docstring_line(stmt):
                break
            continue
        seen_import = True
        name, relative = found
        if relative:
            if first_relative is None:
                first_relative = index
            continue
        if name.split(".")[0] != top:
            continue
        if name <= from_module:
            last_before = index
        elif first_after is None:
            first_after = index
    if last_before is not None:
        return last_before + 1, False
    if first_after is not None:
        return first_after, True
    if first_relative is not None:
        return first_relative, False
    return None, False


def _is_docstring_line(stmt: cst.BaseStatement) -> bool:
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return False
    small = stmt.body[0]
    return isinstance(small, cst.Expr) and isinstance(
        small.value, (cst.SimpleString, cst.ConcatenatedString))
