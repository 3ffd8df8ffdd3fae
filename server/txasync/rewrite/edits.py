"""Minimal text edits between two versions of a file.

Editors apply edits, not whole files: replacing only the changed spans keeps cursors, folds
and undo history sane, and shows reviewers exactly what moved. Lines are diffed first, then
each changed block is trimmed to the characters that differ.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..lines import split_lines


@dataclass(frozen=True)
class TextEdit:
    """Replace [start, end) (0-based line, character column) with `text`."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int
    text: str



def text_edits(old: str, new: str) -> list[TextEdit]:
    if old == new:
        return []
    old_lines = split_lines(old)
    new_lines = split_lines(new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits: list[TextEdit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old_block = "".join(old_lines[i1:i2])
        new_block = "".join(new_lines[j1:j2])
        # Trim the common prefix and suffix inside the block.
        prefix = 0
        limit = min(len(old_block), len(new_block))
        while prefix < limit and old_block[prefix] == new_block[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < limit - prefix
               and old_block[len(old_block) - 1 - suffix]
               == new_block[len(new_block) - 1 - suffix]):
            suffix += 1
        # Never cut through a \r\n pair: positions inside it do not exist for editors.
        while prefix and old_block[prefix - 1] == "\r" and old_block[prefix:prefix + 1] == "\n":
            prefix -= 1
        while prefix and new_block[prefix - 1] == "\r" and new_block[prefix:prefix + 1] == "\n":
            prefix -= 1
        while suffix and (_splits_crlf(old_block, len(old_block) - suffix)
                          or _splits_crlf(new_block, len(new_block) - suffix)):
            suffix -= 1
        suffix = min(suffix, len(old_block) - prefix, len(new_block) - prefix)
        old_mid_end = len(old_block) - suffix
        start = _advance(i1, 0, old_block[:prefix])
        end = _advance(i1, 0, old_block[:old_mid_end])
        edits.append(TextEdit(start[0], start[1], end[0], end[1],
                              new_block[prefix:len(new_block) - suffix]))
    return edits


def _splits_crlf(text: str, index: int) -> bool:
    return 0 < index < len(text) and text[index - 1] == "\r" and text[index] == "\n"


def _advance(line: int, col: int, text: str) -> tuple[int, int]:
    """Position reached after `text` starting at (line, col); \\r\\n and \\r end lines too."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
            line, col, i = line + 1, 0, i + 2
            continue
        if ch in "\r\n":
            line, col = line + 1, 0
        else:
            col += 1
        i += 1
    return line, col


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply non-overlapping edits (for tests and for checking editors' results)."""
    lines = split_lines(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, col: int) -> int:
        if line >= len(lines):
            return len(text)
        return starts[line] + col

    result = text
    for edit in sorted(edits, key=lambda e: (e.start_line, e.start_col), reverse=True):
        a, b = offset(edit.start_line, edit.start_col), offset(edit.end_line, edit.end_col)
        result = result[:a] + edit.text + result[b:]
    return result
