"""`# noqa` comments: the one place that reads them (facts record them per line, the engine
asks whether one silences a finding, the editor's "Disable for this line" extends one).

`# noqa` alone silences every code on its line; `# noqa: CODE1, CODE2` only those (codes are
matched case-insensitively, as ruff and flake8 do).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Mapping

NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)

# line -> the codes its noqa comment names, or None for a bare one (every code)
NoqaLines = Mapping[int, "frozenset[str] | None"]


def parse_noqa(source: str) -> dict[int, frozenset[str] | None]:
    """`# noqa` comments per line: None means every code, else the listed codes."""
    found: dict[int, frozenset[str] | None] = {}
    if "noqa" not in source:
        return found
    try:
        # newline=None: a lone \r ends a line too, as it does for `ast` (and LSP).
        tokens = list(tokenize.generate_tokens(io.StringIO(source, newline=None).readline))
    except (tokenize.TokenError, SyntaxError):
        return found
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        match = NOQA.search(tok.string)
        if not match:
            continue
        codes = match.group("codes")
        found[tok.start[0]] = (
            frozenset(c.upper() for c in re.split(r"[,\s]+", codes) if c) if codes else None
        )
    return found


def suppressed(noqa: NoqaLines, line: int, code: str) -> bool:
    """Whether a `# noqa` on `line` (1-based) silences `code`."""
    if line not in noqa:
        return False
    codes = noqa[line]
    return codes is None or code in codes
