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
import os
import re
import sys
from collections.abc import Container, Sequence
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m


def used_names(source: str) -> set[str]:
    """Names the module's code refers to (imports themselves excluded), and the names its
    `__all__` exports."""
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
    for stmt in tree.body:  # `__all__ = ["name"]` exports an imported name
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and any(
                isinstance(t, ast.Name) and t.id == "__all__"
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])):
            used.update(c.value for c in ast.walk(stmt)
                        if isinstance(c, ast.Constant) and isinstance(c.value, str))
    for annotation in annotations:  # string annotations: "defer.Deferred[int]"
        for node in ast.walk(annotation):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.update(re.findall(r"[A-Za-z_]\w*", node.value))
    return used


def _imported_name(alias: cst.ImportAlias) -> str:
    """The name an alias imports (`x` of `x as y`)."""
    return cst.Module([]).code_for_node(alias.name)


def _local(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    name = alias.name
    while isinstance(name, cst.Attribute):
        name = name.value  # type: ignore[assignment]
    return name.value if isinstance(name, cst.Name) else ""


def _module_text(node: cst.BaseExpression | None) -> str:
    return cst.Module([]).code_for_node(node) if node is not None else ""


def remove_unused(module: cst.Module, candidates: set[str], used: set[str],
                  line_length: int = 88) -> cst.Module:
    """Remove top-level import aliases whose local name is a candidate and unused, those
    of a top-level `if TYPE_CHECKING:` block included.

    What remains reads as written by hand: a parenthesised import that had a trailing comma
    keeps one (exploded, one name per line), one that had none is joined onto one line
    without parentheses when it fits in `line_length`; comments of removed names, or of a
    removed statement, stay above it. A `TYPE_CHECKING` block left empty goes, and so does
    the `TYPE_CHECKING` import when nothing else uses it."""
    doomed = candidates - used
    if not doomed:
        return module
    body, carry, emptied = _prune(list(module.body), doomed, line_length)
    if carry:
        body.append(cst.SimpleStatementLine([cst.Pass()], leading_lines=carry))
    module = module.with_changes(body=body)
    if emptied:
        guards = emptied - used_names(module.code)
        if guards:
            module = remove_unused(module, guards, set(), line_length)
    return module


def _type_checking_guard(stmt: cst.BaseStatement) -> str | None:
    """The name an `if TYPE_CHECKING:` (or `if typing.TYPE_CHECKING:`) block tests, for
    a block without `else`; None for any other statement."""
    if not isinstance(stmt, cst.If) or stmt.orelse is not None:
        return None
    test = stmt.test
    if isinstance(test, cst.Name) and test.value == "TYPE_CHECKING":
        return test.value
    if isinstance(test, cst.Attribute) and test.attr.value == "TYPE_CHECKING" and isinstance(
            test.value, cst.Name):
        return test.value.value
    return None


def _prune(statements: list[cst.BaseStatement], doomed: set[str], line_length: int,
           indent: int = 0) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine], set[str]]:
    """The statements without the doomed imports, the comment lines still to place after
    them, and the names of the TYPE_CHECKING guards whose blocks were removed."""
    body: list[cst.BaseStatement] = []
    carry: list[cst.EmptyLine] = []
    emptied: set[str] = set()
    for stmt in statements:
        if carry and isinstance(stmt, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            own = list(stmt.leading_lines)
            if own and own[0].comment is None:
                # the removed import's blank lines and this statement's would add up
                while carry and carry[-1].comment is None:
                    carry.pop()
            stmt = stmt.with_changes(leading_lines=[*carry, *own])
            carry = []
        guard = _type_checking_guard(stmt)
        if guard is not None and isinstance(stmt, cst.If) and isinstance(
                stmt.body, cst.IndentedBlock):
            inner, inner_carry, _ = _prune(list(stmt.body.body), doomed, line_length,
                                           indent + len(stmt.body.indent or "    "))
            if not inner:
                # the block held nothing else: it goes, its comments stay
                header = stmt.body.header.comment
                carry = [*stmt.leading_lines,
                         *([cst.EmptyLine(comment=header)] if header is not None else []),
                         *inner_carry,
                         *(line for line in stmt.body.footer if line.comment is not None)]
                emptied.add(guard)
                continue
            if inner_carry or len(inner) != len(stmt.body.body) or any(
                    a is not b for a, b in zip(inner, stmt.body.body, strict=False)):
                block = stmt.body.with_changes(
                    body=inner, footer=[*inner_carry, *stmt.body.footer])
                stmt = stmt.with_changes(body=block)
            body.append(stmt)
            continue
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
            removed = [a for a in imp.names if _local(a) in doomed]
            if not names:
                # comments above the import, and inside it, stay
                carry = [*stmt.leading_lines, *_comment_lines(imp)]
                if stmt.trailing_whitespace.comment is not None:
                    carry.append(cst.EmptyLine(comment=stmt.trailing_whitespace.comment))
                continue
            kept = _kept_names(imp, names)
            new_imp = imp.with_changes(names=kept)
            if isinstance(imp, cst.ImportFrom) and imp.lpar is not None and not isinstance(
                    imp.names[-1].comma, cst.Comma) and not m.findall(new_imp, m.Comment()):
                joined = imp.with_changes(
                    names=[a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(
                        " ")) if i < len(kept) - 1 else cst.MaybeSentinel.DEFAULT)
                        for i, a in enumerate(kept)],
                    lpar=None, rpar=None)
                line = stmt.with_changes(body=[joined], leading_lines=[])
                if indent + len(cst.Module([]).code_for_node(line).rstrip("\r\n")) <= line_length:
                    new_imp = joined
            lines = [*stmt.leading_lines, *(
                cst.EmptyLine(comment=c) for a in removed for c in m.findall(a, m.Comment())
                if isinstance(c, cst.Comment))]
            body.append(stmt.with_changes(body=[new_imp], leading_lines=lines))
            continue
        body.append(stmt)
    return body, carry, emptied


def _kept_names(imp: cst.Import | cst.ImportFrom, names: list[cst.ImportAlias]
                ) -> list[cst.ImportAlias]:
    """The remaining aliases, the last one ending as the statement's last alias did (a
    trailing comma kept, with the line break before the closing parenthesis)."""
    assert not isinstance(imp.names, cst.ImportStar)
    last = imp.names[-1]
    kept = list(names)
    if isinstance(imp, cst.ImportFrom) and imp.lpar is not None and isinstance(
            last.comma, cst.Comma):
        kept[-1] = kept[-1].with_changes(comma=last.comma)
    else:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return kept


def _comment_lines(node: cst.CSTNode) -> list[cst.EmptyLine]:
    return [cst.EmptyLine(comment=c) for c in m.findall(node, m.Comment())
            if isinstance(c, cst.Comment)]


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
        if any(a.asname is not None for a in names):
            # isort and ruff keep `from m import x as y` a line of its own (their default
            # `combine-as-imports = false`): the name goes on another line of `m`, or a new one.
            continue
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
               asname: str | None = None, first_party: Container[str] = frozenset()
               ) -> cst.Module:
    """Add `from X import name [as asname]` (or `import X`) where isort and ruff's `I` rules
    would put it, unless the module already has exactly that binding at top level.

    `first_party` answers whether a dotted module is the project's own (its section comes after
    third-party imports)."""
    local = asname or name or from_module.split(".")[0]
    if name is not None and asname is None:
        merged = _merge_into_existing(module, from_module, name)
        if merged is not None:
            return merged
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if (isinstance(small, cst.ImportFrom) and name is not None
                    and not isinstance(small.names, cst.ImportStar) and not small.relative
                    and _module_text(small.module) == from_module
                    and any(_local(a) == local for a in small.names)):
                return module
            if isinstance(small, cst.Import) and name is None and any(
                    _local(a) == local for a in small.names):
                return module
    text = f"from {from_module} import {name}" if name else f"import {from_module}"
    if asname:
        text += f" as {asname}"
    new = cst.parse_statement(text + "\n")
    body = list(module.body)
    entries = _leading_imports(module, first_party)
    section = _section(from_module, False, first_party)
    key = _order_key(name is None, from_module, name or "")
    same = _kin_block(body, entries, from_module) or [e for e in entries if e[1] == section]
    if same:
        after = next((e for e in same if e[2] > key), None)
        if after is not None:
            # Before the first import of the section that sorts after it: the blank lines and
            # comments above that import belong to the section, so they move above the new one.
            target = body[after[0]]
            new = new.with_changes(leading_lines=target.leading_lines)
            body[after[0]] = target.with_changes(leading_lines=[])
            body.insert(after[0], new)
        else:
            body.insert(same[-1][0] + 1, new)
        return module.with_changes(body=body)
    earlier = [e for e in entries if e[1] < section]
    later = [e for e in entries if e[1] > section]
    if earlier:
        # a section of its own, after the earlier ones (standard library, `__future__`)
        new = new.with_changes(leading_lines=[cst.EmptyLine()])
        body.insert(earlier[-1][0] + 1, new)
    elif later:
        target = body[later[0][0]]
        new = new.with_changes(leading_lines=target.leading_lines)
        body[later[0][0]] = target.with_changes(leading_lines=[cst.EmptyLine()])
        body.insert(later[0][0], new)
    else:
        first = 1 if body and _is_docstring_line(body[0]) else 0
        if first < len(body):
            # the code after the imports: two blank lines before a def or class, else one
            following = body[first]
            wanted = 2 if isinstance(following, (cst.FunctionDef, cst.ClassDef)) else 1
            lines = list(following.leading_lines)
            blanks = 0
            while blanks < len(lines) and lines[blanks].comment is None:
                blanks += 1
            if blanks < wanted:
                lines = [cst.EmptyLine()] * (wanted - blanks) + lines
            body[first] = following.with_changes(leading_lines=lines)
            if first == 1:
                new = new.with_changes(leading_lines=[cst.EmptyLine()])
        body.insert(first, new)
    return module.with_changes(body=body)


_Entry = tuple[int, int, tuple[int, str, str]]  # (index in the body, section, order key)


def _kin_block(body: Sequence[cst.BaseStatement], entries: list[_Entry], from_module: str
               ) -> list[_Entry]:
    """The block of imports (lines not parted by a blank line or a comment) holding every
    import of `from_module`'s top-level package, when there is one: where the project keeps
    that package, which its isort configuration may give a section of its own (klein's
    `known_secondparty = twisted`), with settings ruff does not read."""
    top = from_module.split(".")[0]
    blocks: list[list[_Entry]] = []
    for entry in entries:
        stmt = body[entry[0]]
        parted = isinstance(stmt, cst.SimpleStatementLine) and bool(stmt.leading_lines)
        if not blocks or parted or blocks[-1][-1][0] + 1 != entry[0]:
            blocks.append([])
        blocks[-1].append(entry)
    holding = []
    for block in blocks:
        for entry in block:
            imported = _imported_module(body[entry[0]])
            if imported is not None and not imported[1] and imported[0].split(".")[0] == top:
                holding.append(block)
                break
    return holding[0] if len(holding) == 1 else []


# isort's sections, in order: `__future__`, the standard library, third-party packages, the
# project's own packages, relative imports.
_FUTURE, _STDLIB, _THIRD_PARTY, _FIRST_PARTY, _LOCAL = range(5)


def _section(name: str, relative: bool, first_party: Container[str]) -> int:
    top = name.split(".")[0]
    if relative:
        return _LOCAL
    if top == "__future__":
        return _FUTURE
    if name in first_party:
        return _FIRST_PARTY
    if top in sys.stdlib_module_names:
        return _STDLIB
    return _THIRD_PARTY


def _order_key(straight: bool, name: str, member: str = "") -> tuple[int, str, str]:
    """Within a section `import x` lines come first, then `from x import y`, each sorted by
    module name without regard to case (isort's and ruff's defaults); lines of one module
    (an `as` import stands alone) by their first imported name."""
    return (0 if straight else 1, name.lower(), member.lower())


def _leading_imports(module: cst.Module, first_party: Container[str]
                     ) -> list[tuple[int, int, tuple[int, str, str]]]:
    """(index in the body, section, order key) of each import of the module's leading import
    block: top-level import lines after the docstring, up to the first other statement."""
    found: list[tuple[int, int, tuple[int, str, str]]] = []
    for index, stmt in enumerate(module.body):
        imported = _imported_module(stmt)
        if imported is None:
            if index == 0 and _is_docstring_line(stmt):
                continue
            break
        name, relative = imported
        small = stmt.body[0]  # type: ignore[index]
        member = ""
        if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            member = _imported_name(small.names[0])
        found.append((index, _section(name, relative, first_party),
                      _order_key(isinstance(small, cst.Import), name, member)))
    return found


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


def _is_docstring_line(stmt: cst.BaseStatement) -> bool:
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return False
    small = stmt.body[0]
    return isinstance(small, cst.Expr) and isinstance(
        small.value, (cst.SimpleString, cst.ConcatenatedString))


@dataclass(frozen=True)
class FirstParty:
    """Which modules are the project's own, as ruff's isort rules decide it: the module's own
    top-level package, and any module whose *whole* dotted path is a package or module under
    the project root or its `src/` (so a project shipping `src/twisted/plugins/` keeps
    `from twisted.internet import defer` third-party, where a top-level check would not)."""

    package: str
    roots: tuple[str, ...]

    def __contains__(self, module: object) -> bool:
        if not isinstance(module, str) or not module:
            return False
        if module.split(".")[0] == self.package:
            return True
        relative = os.path.join(*module.split("."))
        return any(os.path.isdir(os.path.join(base, relative))
                   or os.path.isfile(os.path.join(base, relative + ".py"))
                   for base in self.roots)


def first_party(module_name: str, root: str) -> FirstParty:
    """The project's own modules for a module of it (isort's first-party section)."""
    return FirstParty(module_name.split(".")[0], (root, os.path.join(root, "src")))
