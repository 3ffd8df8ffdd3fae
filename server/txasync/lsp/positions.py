"""Columns between the engine (characters) and the client (UTF-16, UTF-8 or UTF-32 units).

The engine's spans are 1-based lines and 0-based *character* columns; LSP positions are
0-based lines and columns counted in the negotiated position encoding (UTF-16 unless the
client offered another one in `general.positionEncodings`). A wrong column is the classic
language-server bug on lines with non-ASCII text, so every conversion goes through here.
Lines are split the way LSP (and Python's tokenizer) split them: on `\\n`, `\\r\\n` and `\\r`.
"""

from __future__ import annotations

from lsprotocol import types

from ..analysis.model import Span
from ..lines import split_lines

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"


def normalise_encoding(encoding: object) -> str:
    """The encoding name pygls negotiated, as one of the three constants (UTF-16 default)."""
    value = getattr(encoding, "value", encoding)
    if value in (UTF8, UTF32):
        return str(value)
    return UTF16


def _units(ch: str, encoding: str) -> int:
    code = ord(ch)
    if encoding == UTF16:
        return 2 if code > 0xFFFF else 1
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 1


def char_to_units(line: str, col: int, encoding: str) -> int:
    """Client units before character `col` of `line` (columns past the end are clamped)."""
    col = max(0, min(col, len(line)))
    if encoding == UTF32 or line.isascii():
        return col
    return sum(_units(ch, encoding) for ch in line[:col])


def units_to_char(line: str, units: int, encoding: str) -> int:
    """The character column at `units` client units (a unit inside a character rounds down)."""
    if units <= 0:
        return 0
    if encoding == UTF32 or line.isascii():
        return min(units, len(line))
    seen = 0
    for index, ch in enumerate(line):
        seen += _units(ch, encoding)
        if seen > units:
            return index
    return len(line)


class LineIndex:
    """Lines of one text (line ends stripped), for converting positions both ways."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = [line.rstrip("\r\n") for line in split_lines(text)]
        if not self.lines or text.endswith(("\n", "\r")):
            self.lines.append("")

    def line(self, index: int) -> str:
        """Line `index` (0-based); an empty string past the end."""
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def position(self, line0: int, col: int, encoding: str) -> types.Position:
        """An LSP position from a 0-based line and a character column."""
        if line0 >= len(self.lines):
            last = len(self.lines) - 1
            return types.Position(last, char_to_units(self.lines[last], 10**9, encoding))
        return types.Position(max(line0, 0), char_to_units(self.line(line0), col, encoding))

    def range(self, span: Span, encoding: str) -> types.Range:
        """The LSP range of an engine span (1-based lines)."""
        return types.Range(self.position(span.line - 1, span.col, encoding),
                           self.position(span.end_line - 1, span.end_col, encoding))

    def char_position(self, position: types.Position, encoding: str) -> tuple[int, int]:
        """A client position as (1-based line, character column), as the engine wants it."""
        return position.line + 1, units_to_char(self.line(position.line), position.character,
                                                encoding)


def line_index(text: str, cache: dict[int, LineIndex] | None = None) -> LineIndex:
    """A LineIndex, reused while the same text object is asked for again (50,000-line files)."""
    if cache is None:
        return LineIndex(text)
    found = cache.get(id(text))
    if found is not None and found.text is text:
        return found
    if len(cache) > 64:
        cache.clear()
    found = cache[id(text)] = LineIndex(text)
    return found
