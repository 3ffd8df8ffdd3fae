"""Format exactly the lines a rewrite changed with the project's own formatter (opt-in).

`[tool.txasync] format = "auto"` (or `"ruff"`, `"black"`) runs the formatter the project
configures (style.py: `[tool.ruff.format]`, `[tool.black]`) over the changed line ranges
only: `ruff format --range` (one range per run, bottom up so earlier ranges keep their
line numbers) or black's `--line-ranges`. The rest of the file is never reformatted, so the
diff holds the conversion and nothing else. The tool runs from the project's configuration
directory, reading the file's text on stdin; the executable comes from the project's
environment (next to its interpreter), else PATH.

The tool is given the line length txasync holds the changed lines to (style.py), which is
the project's linter's where its formatter configures none.

This is an extra: when the tool is missing, fails, or gives text that does not parse to
the same tree, the text txasync laid out itself (layout.py) is kept.
"""

from __future__ import annotations

import ast
import difflib
import os
import shutil
import subprocess
from collections.abc import Sequence

from ..lines import split_lines
from ..style import Style, code_length

FORMAT_CHOICES = ("none", "auto", "ruff", "black")
_TIMEOUT = 30


def find_tool(name: str, python: str = "") -> str | None:
    """The formatter's executable: beside the project's interpreter, else on PATH."""
    if python:
        candidate = os.path.join(os.path.dirname(python), name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(name)


def changed_ranges(old: str, new: str) -> list[tuple[int, int]]:
    """1-based inclusive line ranges of `new` that differ from `old`."""
    matcher = difflib.SequenceMatcher(None, split_lines(old), split_lines(new), autojunk=False)
    return [(j1 + 1, j2) for tag, _i1, _i2, j1, j2 in matcher.get_opcodes()
            if tag in ("replace", "insert") and j2 > j1]


def _run(argv: Sequence[str], text: str, cwd: str) -> str | None:
    try:
        done = subprocess.run(list(argv), input=text, capture_output=True, text=True,
                              cwd=cwd, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def format_changed(old: str, new: str, path: str, style: Style, choice: str,
                   python: str = "") -> str:
    """`new` with its changed lines formatted by the project's formatter, or `new` as it
    is (no formatter chosen or found, or it failed)."""
    if choice == "none" or old == new:
        return new
    tool = style.formatter if choice == "auto" else choice
    if tool not in ("ruff", "black"):
        return new
    exe = find_tool(tool, python)
    if exe is None:
        return new
    ranges = changed_ranges(old, new)
    if not ranges:
        return new
    cwd = style.root if os.path.isdir(style.root) else os.path.dirname(os.path.abspath(path))
    text: str | None = new
    if tool == "ruff":
        for start, end in reversed(ranges):
            assert text is not None
            lines = split_lines(text)
            end_col = len(lines[end - 1].rstrip("\r\n")) + 1 if end - 1 < len(lines) else 1
            text = _run([exe, "format", "--stdin-filename", path, "--line-length",
                         str(style.line_length), "--range", f"{start}:1-{end}:{end_col}", "-"],
                        text, cwd)
            if text is None:
                return new
    else:
        argv = [exe, "-q", "--stdin-filename", path, "--line-length", str(style.line_length)]
        for start, end in ranges:
            argv += ["--line-ranges", f"{start}-{end}"]
        text = _run([*argv, "-"], new, cwd)
    if text is None or not _same_tree(new, text) or _over(old, text, style) > _over(
            old, new, style):
        return new
    return text


def _over(old: str, new: str, style: Style) -> int:
    """How many of `new`'s changed lines run past the limit (a formatter that reads another
    limit than the one the project's linter holds it to must not add any)."""
    lines = split_lines(new)
    return sum(1 for start, end in changed_ranges(old, new) for line in lines[start - 1:end]
               if code_length(line) > style.line_length)


def _same_tree(a: str, b: str) -> bool:
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
