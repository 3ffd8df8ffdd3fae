"""Line splitting shared by the analysis, the rewrite and the server.

Python's tokenizer, LibCST and LSP all end lines at \\n, \\r\\n and \\r only. `str.splitlines`
also breaks at \\f, \\x1c-\\x1e, \\x85, U+2028 and U+2029, which may sit inside a comment
or a string: counting with it puts every position below such a character on the wrong line.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, as Python and LSP count them."""
    return _LINE.findall(text)
