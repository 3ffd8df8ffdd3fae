"""Count one file version's functions (IC, async, plain Deferred): the work history hands
to processes.

Kept apart from `history.py` so what runs in worker processes depends on the per-file facts
alone (no engine, no LibCST, no git), and can be reused by anything that counts text.
"""

from __future__ import annotations

import io
import re
import tokenize

from ..analysis.facts import extract_facts
from .counts import FIELDS, count_facts
from .deferred_code import may_hold_deferred_code

# The same limit as `engine.MAX_FILE_BYTES` (not imported: that would load the engine).
MAX_FILE_BYTES = 5 * 1024 * 1024
# Only a blob that mentions one of these can hold an IC or async function (every spelling
# of inlineCallbacks, aliases included, names it); one that does not, and cannot hold a
# pass-through or chain either (`may_hold_deferred_code`), counts zero without a parse.
PREFILTER = re.compile(rb"inlineCallbacks|\basync\b")

# The numbers of `counts.FIELDS`, in order, then the parse error ("" when it parsed).
BlobCounts = tuple[int | str, ...]
NUMBERS = len(FIELDS)
ZERO: BlobCounts = (0,) * NUMBERS + ("",)


def failed(error: str) -> BlobCounts:
    """Zero counts for a blob that could not be counted, and why."""
    return (0,) * NUMBERS + (error,)


def needs_parse(data: bytes) -> bool:
    """Whether the blob's text can hold anything progress counts."""
    return bool(PREFILTER.search(data)) or may_hold_deferred_code(data)


def count_blob(data: bytes) -> BlobCounts:
    """Counts for one file's bytes; a file that does not decode or parse counts zero."""
    if len(data) > MAX_FILE_BYTES:
        return failed(f"larger than {MAX_FILE_BYTES // 2**20} MiB")
    if not needs_parse(data):
        return ZERO
    if b"\x00" in data:
        return failed("binary file (NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return failed(f"cannot decode: {exc}")
    facts = extract_facts(text, "<blob>", "blob", False)
    if facts.error is not None:
        return failed(facts.error)
    return (*count_facts(facts).numbers(), "")


def count_chunk(chunk: list[tuple[str, bytes]]) -> list[tuple[str, BlobCounts]]:
    """(hash, counts) for a batch of (hash, content): one pickle round trip per batch."""
    return [(sha, count_blob(data)) for sha, data in chunk]
