"""Group TXA002 reasons into a few kinds, so a progress report can say what blocks the rest.

A decision's reason is a sentence written for one function ("`returnValue` at line 12 is
inside a `try` with `except:` ..."). Counting those sentences verbatim gives one row per
function; the team needs "31 blocked by unknown decorators, 12 by nested returnValue". The
patterns below follow the sentences in `analysis/plan.py`; a sentence no pattern knows falls
back to its first clause with line numbers and quoted names removed, so a new reason still
groups sensibly until it gets a pattern here.
"""

from __future__ import annotations

import re

# (pattern searched in the reason, the kind shown in reports); the first match wins.
KINDS: tuple[tuple[str, str], ...] = (
    (r"uses `yield from`", "uses `yield from`"),
    (r"has no `yield`", "not a generator (no `yield`)"),
    (r"`returnValue` from a nested function", "`returnValue` in a nested function"),
    (r"calls `returnValue` to make this function return", "`returnValue` via a helper"),
    (r"is inside a `try` with", "`returnValue` caught by `except:`/`BaseException`"),
    (r"`returnValue` at line \d+ (takes|is used)", "unusual `returnValue` call"),
    (r"generator expression", "yields a generator expression"),
    (r"a plain generator", "yields a plain generator"),
    (r"is a property", "property"),
    (r"the decorator .* is not known to accept", "unknown decorator"),
    (r"test method|trial test method", "test method that cannot be async"),
    (r"keep it synchronous", "Twisted calls it synchronously"),
    (r"it overrides `", "overrides a library method"),
    (r"which txasync cannot find", "base class not found"),
    (r"plain method of the same name", "plain method of the same name in the hierarchy"),
    (r"cannot tell the receiver", "caller with an unknown receiver"),
    (r"unknown-yield = refuse", "yield of an unknown value (unknown-yield = refuse)"),
)
_COMPILED = tuple((re.compile(p), kind) for p, kind in KINDS)
NOT_SELECTED = "not selected for this run"


def reason_kind(reason: str) -> str:
    """The kind of a blocking reason (a short label shared by many functions)."""
    for pattern, kind in _COMPILED:
        if pattern.search(reason):
            return kind
    first = reason.split(";", 1)[0]
    first = re.sub(r"`[^`]*`", "`…`", first)
    first = re.sub(r"\(?\b(?:at )?(?:line \d+|[\w./-]+\.py:\d+)\)?", "", first)
    first = re.sub(r"\s+", " ", first).strip()
    return first[:80] or "other"
