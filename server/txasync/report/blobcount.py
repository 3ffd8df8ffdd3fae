"""Count one file version's IC and async functions: the work history hands to processes.

Kept apart from `history.py` so what runs in worker processes depends on the per-file facts
alone (no engine, no LibCST, no git), and can be reused by anything that counts text.
"""

from __future__ import annotations

import io
import re
import tokenize

from ..analysis.facts import extract_facts
from .counts import count_facts

# The same limit as `engine.MAX_FILE_BYTES` (not imported: that would load the engine).
MAX_FILE_BYTES = 5 * 1024 * 1024
# Only a blob that mentions one of these can hold an IC or async function: the rest count
# zero without a parse (every spelling of inlineCallbacks, aliases included, names it).
PREFILTER = re.compile(rb"inlineCallbacks|\basync\b")

# ic, async, ic lines, async lines, parse error ("" when it parsed)
BlobCounts = tuple[int, int, int, int, str]
ZERO: BlobCounts = (0, 0, 0, 0, "")


def count_blob(data: bytes) -> BlobCounts:
    """Counts for one file's bytes; a file that does not decode or parse counts zero."""
    if len(data) > MAX_FILE_BYTES:
        return (0, 0, 0, 0, f"larger than {MAX_FILE_BYTES // 2**20} MiB")
    if not PREFILTER.search(data):
        return ZERO
    if b"\x00" in data:
        return (0, 0, 0, 0, "binary file (NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return (0, 0, 0, 0, f"cannot decode: {exc}")
    facts = extract_facts(text, "<blob>", "blob", False)
    if facts.error is not None:
        return (0, 0, 0, 0, facts.error)
    c = count_facts(facts)
    return (c.inlinecallbacks, c.async_, c.inlinecallbacks_lines, c.async_lines, "")


def count_chunk(chunk: list[tuple[str, bytes]]) -> list[tuple[str, BlobCounts]]:
    """(hash, counts) for a batch of (hash, content): one pickle round trip per batch."""
    return [(sha, count_blob(data)) for sha, data in chunk]
