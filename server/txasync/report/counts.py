"""The numbers every progress view is made of: IC and async functions, their lines, and the
plain Deferred functions (pass-throughs and callback chains, `deferred_code.py`) left to do.

The current-tree report, the history walk and the editor's status bar all count through
`count_facts`, so a history point for HEAD and `txasync progress` on a clean checkout agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.model import ModuleFacts
from .deferred_code import deferred_functions


@dataclass
class Counts:
    inlinecallbacks: int = 0
    async_: int = 0
    inlinecallbacks_lines: int = 0
    async_lines: int = 0
    # Plain functions that hand out Deferreds: reported apart from inlineCallbacks ones (the
    # share async stays async over IC + async, as it always was), charted as their own series.
    passthrough: int = 0
    chain: int = 0
    passthrough_lines: int = 0
    chain_lines: int = 0

    def add(self, other: Counts) -> None:
        for name, value in zip(FIELDS, other.numbers(), strict=True):
            setattr(self, name, getattr(self, name) + value)

    @property
    def deferred(self) -> int:
        """Pass-through and chain functions: the Deferred code besides inlineCallbacks."""
        return self.passthrough + self.chain

    @property
    def deferred_lines(self) -> int:
        return self.passthrough_lines + self.chain_lines

    @property
    def share_async(self) -> float:
        """Async functions over all IC and async functions; 1.0 when there are none of either."""
        return _share(self.async_, self.inlinecallbacks)

    @property
    def share_async_lines(self) -> float:
        return _share(self.async_lines, self.inlinecallbacks_lines)

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.inlinecallbacks, self.async_, self.inlinecallbacks_lines, self.async_lines)

    def numbers(self) -> tuple[int, ...]:
        """Every number, in `FIELDS` order (what the history's blob cache stores)."""
        return tuple(getattr(self, name) for name in FIELDS)

    def to_json(self) -> dict[str, int | float]:
        return {
            "inlinecallbacks": self.inlinecallbacks,
            "async": self.async_,
            "inlinecallbacks_lines": self.inlinecallbacks_lines,
            "async_lines": self.async_lines,
            "share_async": round(self.share_async, 4),
            "share_async_lines": round(self.share_async_lines, 4),
            "deferred": self.deferred,
            "deferred_lines": self.deferred_lines,
            "passthrough": self.passthrough,
            "chain": self.chain,
            "passthrough_lines": self.passthrough_lines,
            "chain_lines": self.chain_lines,
        }


FIELDS = ("inlinecallbacks", "async_", "inlinecallbacks_lines", "async_lines",
          "passthrough", "chain", "passthrough_lines", "chain_lines")


def _share(done: int, left: int) -> float:
    return done / (done + left) if done + left else 1.0


def count_facts(facts: ModuleFacts) -> Counts:
    """Counts for one module; a module that failed to parse has no functions, so counts zero."""
    counts = Counts()
    deferred = deferred_functions(facts)
    for i, fn in enumerate(facts.functions):
        if fn.is_ic:
            counts.inlinecallbacks += 1
            counts.inlinecallbacks_lines += fn.lines
        elif fn.is_async:
            counts.async_ += 1
            counts.async_lines += fn.lines
        elif deferred.get(i) == "passthrough":
            counts.passthrough += 1
            counts.passthrough_lines += fn.lines
        elif i in deferred:
            counts.chain += 1
            counts.chain_lines += fn.lines
    return counts
