"""Rewrite only the top-level statements a plan touches: the rest of the module is folded.

LibCST's parse, position metadata, transform and code generation each cost time in
proportion to the whole module, while converting one function (the editor's "Convert to
async") edits a few lines of it. So before the rewrite every top-level statement the plan
does not reach is replaced by a string statement spanning the same lines (its placeholder):
every position the plan names stays where it was, the import block the rewrite may edit is
kept, and LibCST reads a fraction of the file. Afterwards each placeholder is replaced by the
original text it stands for, byte for byte.

The rewrite edits only nodes at positions the plan names, and the import lines at the top
of the module (kept whole here), so the result is the one the whole module gives; tests
compare the two on every golden case and on real projects' files. When anything does not
fit (a file that does not parse, a placeholder the rewrite did not give back exactly once),
the caller rewrites the whole module instead.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from ..analysis.findings import FilePlan
from ..analysis.model import ModuleFacts, Span
from ..lines import split_lines

# A module this short costs little to rewrite whole: folding it is not worth a second parse.
MIN_LINES = 200


@dataclass(frozen=True)
class Folded:
    """A module with its untouched statements folded, and how to unfold the rewrite of it."""

    text: str  # the module with placeholders, same lines and columns for what is kept
    pieces: tuple[tuple[str, str], ...]  # (placeholder, the original text it stands for)

    def unfold(self, rewritten: str) -> str | None:
        """The rewrite of the whole module, from the rewrite of `text` (None: a placeholder
        did not come back exactly once, so the result cannot be trusted)."""
        out = rewritten
        for placeholder, original in self.pieces:
            if out.count(placeholder) != 1:
                return None
            out = out.replace(placeholder, original, 1)
        return out

    def sources(self) -> list[str]:
        """The original code of each folded run, as a module of its own (class members
        inside an `if True:`): for the names it uses, since an import the rewrite made
        unused in the kept part may be used there."""
        found = []
        for _, original in self.pieces:
            text = original if original.endswith(("\n", "\r")) else original + "\n"
            found.append(text if not text[:1].isspace() else "if True:\n" + text)
        return found


def _touched(plan: FilePlan, facts: ModuleFacts) -> list[Span] | None:
    spans: list[Span] = []
    for conv in plan.convert:
        fn = facts.function(conv.qualname)
        if fn is None:
            return None
        spans.append(fn.span)
        if fn.ic_call_span is not None:
            spans.append(fn.ic_call_span)
    spans += [w.span for w in plan.wraps]
    spans += plan.return_values
    spans += [s for s, _ in plan.renames]
    spans += plan.lambdas
    return spans


def _is_import(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.Import, ast.ImportFrom))


def fold(source: str, plan: FilePlan, facts: ModuleFacts) -> Folded | None:
    """`source` with the statements `plan` does not touch folded (None when folding does
    not apply or saves nothing): top-level statements, and those of the classes it touches."""
    lines = split_lines(source)
    if len(lines) < MIN_LINES or ("\r" in source and "\n" not in source):
        return None
    spans = _touched(plan, facts)
    if spans is None:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    runs: list[tuple[int, int, str]] = []  # (first line, last line, indentation)
    if not _fold_body(tree.body, lines, spans, True, runs):
        return None
    if not runs:
        return None
    runs.sort()
    nonce = 0
    while f"txasync-fold-{nonce}-" in source:
        nonce += 1
    out: list[str] = []
    pieces: list[tuple[str, str]] = []
    at = 1
    for number, (start, end, indent) in enumerate(runs):
        out += lines[at - 1:start - 1]
        block = lines[start - 1:end]
        mark = f"txasync-fold-{nonce}-{number}"
        if len(block) == 1:
            body = [f'{indent}"{mark}"' + _ending(block[0])]
        else:
            # Every line distinct: the layout step diffs the lines (layout.py), and runs
            # of equal lines make a line diff slow.
            body = [f'{indent}"""{mark}' + _ending(block[0])]
            body += [f"{mark}-{i}" + _ending(line) for i, line in enumerate(block[1:-1])]
            body.append(f'{mark}-end"""' + _ending(block[-1]))
        placeholder = "".join(body)
        pieces.append((placeholder, "".join(block)))
        out += body
        at = end + 1
    out += lines[at - 1:]
    return Folded("".join(out), tuple(pieces))


def _fold_body(body: list[ast.stmt], lines: list[str], spans: list[Span], module: bool,
               runs: list[tuple[int, int, str]]) -> bool:
    """Add to `runs` the line ranges of `body` (a module's or a class's statements) that
    nothing in `spans` touches; False when a statement does not start its own line."""
    # Units: statements sharing lines (`a = 1; b = 2`) together, decorators included:
    # [first line, last line, keep, the statement when it is alone in its unit].
    units: list[list[Any]] = []
    header = module
    for index, stmt in enumerate(body):
        decorators = getattr(stmt, "decorator_list", [])
        start = min([stmt.lineno] + [d.lineno for d in decorators])
        end = stmt.end_lineno or stmt.lineno
        first = lines[start - 1]
        indent = first[:len(first) - len(first.lstrip(" \t"))]
        if decorators and not first.lstrip().startswith("@"):
            return False  # `@(\n  deco\n)`: where the decorator starts is not its line
        # In a module, the leading import block and the statement after it (where a new
        # import goes), and every import line (an added import may merge into one).
        keep = False
        if module:
            docstring = (index == 0 and isinstance(stmt, ast.Expr)
                         and isinstance(stmt.value, ast.Constant))
            keep = header or _is_import(stmt)
            if header and not (docstring or _is_import(stmt)):
                header = False
        if units and start <= units[-1][1]:
            units[-1][1] = max(units[-1][1], end)
            units[-1][2] = units[-1][2] or keep
            units[-1][3] = None
        elif not decorators and len(indent) != stmt.col_offset:
            return False  # `class A: x = 1`: shares its line with the header
        else:
            units.append([start, end, keep, stmt, indent])
    previous_folded = False
    for start, end, keep, stmt, indent in units:
        touching = [s for s in spans if start <= s.end_line and s.line <= end]
        if (touching or keep) and isinstance(stmt, ast.ClassDef) and not any(
                s.line <= stmt.lineno for s in touching):
            # Needed for what is inside, or (after the imports) for being a class: the
            # class statement stays, its members nothing touches fold.
            if not _fold_body(stmt.body, lines, touching, False, runs):
                return False
            previous_folded = False
            continue
        if keep or touching:
            previous_folded = False
            continue
        if previous_folded:  # neighbours fold together, with the lines between them
            first, _, same = runs[-1]
            runs[-1] = (first, end, same)
        else:
            runs.append((start, end, indent))
        previous_folded = True
    return True


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return line[-1] if line.endswith(("\n", "\r")) else ""
