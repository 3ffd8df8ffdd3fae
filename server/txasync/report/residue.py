"""Why conversions keep a Deferred API or are refused, grouped by what causes them.

A keep-API conversion is correct but it is not the migration: type checkers still see a
Deferred, and `plan` cannot order what it hides. Most of them trace back to a few places (one
untyped receiver that may be any of 60 `run` methods, one base class txasync cannot read), so
the report groups functions by the kind of their reasons and by the one site or name each
reason points at (`Reason.where`): a team fixes the code (an annotation) or the configuration
at the top rows first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..analysis.plan import Decision

KEEP_API = "keeps a Deferred API"
REFUSED = "refused"


@dataclass
class Cause:
    """One kind of reason at one place, and the functions it holds back."""

    kind: str
    label: str
    where: str
    outcome: str
    functions: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "where": self.where,
                "outcome": self.outcome, "count": len(self.functions),
                "functions": sorted(self.functions)}


@dataclass
class Residue:
    functions: int
    plain: int
    keep_api: int
    refused: int
    causes: list[Cause]

    @property
    def keep_api_share(self) -> float:
        """Keep-API conversions among the functions this run rewrites."""
        changing = self.plain + self.keep_api
        return self.keep_api / changing if changing else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"functions": self.functions, "plain": self.plain, "keep_api": self.keep_api,
                "refused": self.refused, "keep_api_share": round(self.keep_api_share, 4),
                "causes": [c.to_json() for c in self.causes]}


def residue(decisions: dict[str, Decision], root: str = "") -> Residue:
    """Count the outcomes of `decisions` and group what holds the rest back."""
    groups: dict[tuple[str, str, str], Cause] = {}
    plain = keep = refused = 0
    for key, decision in decisions.items():
        if not decision.selected:
            continue
        if decision.reasons:
            refused += 1
            outcome, reasons = REFUSED, decision.reasons
        elif decision.keep_api:
            keep += 1
            outcome, reasons = KEEP_API, decision.caller_reasons
        else:
            plain += 1
            continue
        seen: set[tuple[str, str, str]] = set()
        for reason in reasons:
            kind: str = reason.kind
            where = _relative(reason.where, root)
            group = (kind, where, outcome)
            if group in seen:
                continue
            seen.add(group)
            cause = groups.setdefault(group, Cause(kind, reason.label, where, outcome))
            cause.functions.append(key)
        if not reasons:  # keep-deferred-api configured for it
            group = ("configured", "", outcome)
            groups.setdefault(group, Cause("configured", "keep-deferred-api in the "
                                           "configuration", "", outcome)).functions.append(key)
    causes = sorted(groups.values(), key=lambda c: (-len(c.functions), c.kind, c.where))
    return Residue(plain + keep + refused, plain, keep, refused, causes)


def _relative(where: str, root: str) -> str:
    """`/abs/pkg/mod.py:12` -> `pkg/mod.py:12`, relative to the current directory (as the
    other commands print paths), else to the project root; names stay."""
    path, sep, line = where.rpartition(":")
    if not sep or not os.path.isabs(path):
        return where
    for base in (os.getcwd(), root):
        if not base:
            continue
        try:
            rel = os.path.relpath(path, base)
        except ValueError:
            continue
        if not rel.startswith(".."):
            return f"{rel}:{line}"
    return where


def render_residue(report: Residue, limit: int = 40) -> list[str]:
    """Plain lines (greppable, one cause each), most functions first."""
    share = f"{report.keep_api_share:.0%}"
    lines = [f"{report.functions} inlineCallbacks functions: {report.plain} become plain "
             f"`async def`, {report.keep_api} keep a Deferred API ({share} of conversions), "
             f"{report.refused} refused."]
    if report.causes:
        lines.append("What holds them back, most functions first (fix the top rows first):")
    for cause in report.causes[:limit]:
        where = f" at {cause.where}" if cause.where else ""
        example = ", ".join(sorted(cause.functions)[:3])
        more = f", +{len(cause.functions) - 3} more" if len(cause.functions) > 3 else ""
        lines.append(f"  {len(cause.functions):5d} {cause.outcome}: {cause.label}{where} "
                     f"({example}{more})")
    if len(report.causes) > limit:
        lines.append(f"  ... {len(report.causes) - limit} more causes (--format json lists all)")
    return lines
