"""The baseline ratchet: record today's findings, then report only what is new.

A team adopting txasync has hundreds of inlineCallbacks functions on day one; CI should fail
on the new one, not the old ones. Entries are keyed by file, function qualified name and
code, never by line, so code that moves within its file (an import added above it, a
function reordered) stays baselined. Each key keeps a count: two `returnValue` calls in one
function are two entries, and a third one added later is new. When a key has more findings
now than in the baseline, the first ones (in file order) count as the baselined ones and the
rest are reported. An entry with fewer findings now than recorded is "gone": the message asks
to remove it, so the baseline only ever shrinks.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from ..analysis.findings import Finding
from ..errors import UsageError
from ..fileio import write_atomic
from .layers import relative

FORMAT = 1
Key = tuple[str, str, str]  # (root-relative path, function qualname, code)


class BaselineError(UsageError):
    """The baseline file cannot be read or written (exit 2, with this message)."""


def finding_key(finding: Finding, root: str) -> Key:
    """What identifies a finding across edits: file, function and code (no positions)."""
    return (relative(finding.path, root), finding.function, finding.code)


def keyed(findings: Iterable[Finding], root: str) -> list[tuple[Key, int, Finding]]:
    """(key, occurrence number within the key, finding), occurrences numbered in file order.

    SARIF fingerprints use the same numbering, so code scanning and the baseline agree on
    what "the same finding" is.
    """
    seen: Counter[Key] = Counter()
    out = []
    for finding in sorted(findings, key=Finding.sort_key):
        key = finding_key(finding, root)
        out.append((key, seen[key], finding))
        seen[key] += 1
    return out


def _entry_text(key: Key) -> str:
    path, function, code = key
    return f"{path}: {code} in {function or '<module>'}"


def write_baseline(path: str, findings: list[Finding], root: str) -> None:
    """Record `findings` (sorted, one entry per key with its count, stable for diffs)."""
    counts = Counter(finding_key(f, root) for f in findings)
    entries = [{"path": p, "function": fn, "code": code, "count": n}
               for (p, fn, code), n in sorted(counts.items())]
    text = json.dumps({"txasync-baseline": FORMAT, "entries": entries}, indent=2) + "\n"
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise BaselineError(f"txasync: cannot write baseline {path}: "
                            f"{exc.strerror or exc}") from None


def read_baseline(path: str) -> Counter[Key]:
    """The recorded counts per key; a missing or malformed file is a usage error."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise BaselineError(f"txasync: baseline {path} does not exist; create it with "
                            f"`txasync check --write-baseline {path}`") from None
    except (OSError, ValueError) as exc:
        raise BaselineError(f"txasync: cannot read baseline {path}: {exc}") from None
    try:
        if data.get("txasync-baseline") != FORMAT:
            raise ValueError(f"unknown format {data.get('txasync-baseline')!r}")
        counts: Counter[Key] = Counter()
        for entry in data["entries"]:
            key = (str(entry["path"]), str(entry["function"]), str(entry["code"]))
            counts[key] += int(entry.get("count", 1))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise BaselineError(f"txasync: {path} is not a txasync baseline: {exc}") from None
    return counts


def apply_baseline(path: str, findings: list[Finding], root: str
                   ) -> tuple[list[Finding], list[str]]:
    """(findings not covered by the baseline, baseline entries no longer found)."""
    recorded = read_baseline(path)
    new: list[Finding] = []
    found: Counter[Key] = Counter()
    for key, occurrence, finding in keyed(findings, root):
        found[key] += 1
        if occurrence >= recorded.get(key, 0):
            new.append(finding)
    gone = []
    for key, n in sorted(recorded.items()):
        missing = n - min(n, found.get(key, 0))
        if missing:
            text = _entry_text(key)
            gone.append(text if missing == n and n == 1 else f"{text} ({missing} of {n})")
    new.sort(key=Finding.sort_key)
    return new, gone

