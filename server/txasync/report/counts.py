"""The four numbers every progress view is made of: IC and async functions, and their lines.

The current-tree report, the history walk and the editor's status bar all count through
`count_facts`, so a history point for HEAD and `txasync progress` on a clean checkout agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.model import ModuleFacts


@dataclass
class Counts:
    inlinecallbacks: int = 0
    async_: int = 0
    inlinecallbacks_lines: int = 0
    async_lines: int = 0

    def add(self, other: Counts) -> None:
        self.inlinecallbacks += other.inlinecallbacks
        self.async_ += other.async_
        self.inlinecallbacks_lines += other.inlinecallbacks_lines
        self.async_lines += other.async_lines

    @property
    def share_async(self) -> float:
        """Async functions over all IC and async functions; 1.0 when there are none of either."""
        return _share(self.async_, self.inlinecallbacks)

    @property
    def share_async_lines(self) -> float:
        return _share(self.async_lines, self.inlinecallbacks_lines)

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.inlinecallbacks, self.async_, self.inlinecallbacks_lines, self.async_lines)

    def to_json(self) -> dict[str, int | float]:
        return {
            "inlinecallbacks": self.inlinecallbacks,
            "async": self.async_,
            "inlinecallbacks_lines": self.inlinecallbacks_lines,
            "async_lines": self.async_lines,
            "share_async": round(self.share_async, 4),
            "share_async_lines": round(self.share_async_lines, 4),
        }


def _share(done: int, left: int) -> float:
    return done / (done + left) if done + left else 1.0


def count_facts(facts: ModuleFacts) -> Counts:
    """Counts for one module; a module that failed to parse has no functions, so counts zero."""
    counts = Counts()
    for fn in facts.functions:
        if fn.is_ic:
            counts.inlinecallbacks += 1
            counts.inlinecallbacks_lines += fn.lines
        elif fn.is_async:
            counts.async_ += 1
            counts.async_lines += fn.lines
    return counts
