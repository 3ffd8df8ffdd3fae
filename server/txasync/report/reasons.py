"""Group blocking reasons into a few kinds, so a progress report can say what blocks the rest.

A decision's reason is a sentence written for one function, typed with its kind
(`analysis/reasons.py`); reports count kinds, never sentences. A plain sentence (read back
from an older JSON file) falls back to its first clause with line numbers and quoted names
removed, so it still groups sensibly.
"""

from __future__ import annotations

import re

from ..analysis.reasons import LABELS, kind_of

NOT_SELECTED = "not selected for this run"


def reason_kind(reason: str) -> str:
    """The kind of a blocking reason (a short label shared by many functions)."""
    kind = kind_of(reason)
    if kind is not None:
        return LABELS[kind]
    first = reason.split(";", 1)[0]
    first = re.sub(r"`[^`]*`", "`…`", first)
    first = re.sub(r"\(?\b(?:at )?(?:line \d+|[\w./-]+\.py:\d+)\)?", "", first)
    first = re.sub(r"\s+", " ", first).strip()
    return first[:80] or "other"
