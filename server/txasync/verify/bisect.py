"""Finding the conversions that change a test's outcome: pure logic, no processes.

`find_culprits` is handed the suspects (converted functions the changed tests ran) and a
predicate `passes(reverted)`: does the suite's changed part match the baseline when these
functions are left unconverted (and the rest converted)? It assumes reverting more never
makes things worse, and returns a small set whose reversal makes it pass:

1. reverting every suspect must pass (else the suspects do not explain the change: None);
2. then, for one culprit at a time, the shortest prefix of the remaining suspects whose
   reversal (with the culprits found so far) passes ends in a culprit; the culprits still
   to find are in that prefix. Binary search: about log2(n) runs per culprit.

Results are memoised, so no set of reverted functions is run twice. `Budget` bounds the
runs; when it runs out `BudgetExhausted` carries what was found and what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


class BudgetExhausted(Exception):
    def __init__(self, found: list[str], unresolved: list[str]) -> None:
        super().__init__(f"run budget exhausted with {len(unresolved)} suspects unresolved")
        self.found = found
        self.unresolved = unresolved


@dataclass
class Budget:
    """How many more test runs may be made (None: no limit)."""

    left: int | None = None
    used: int = 0

    def take(self) -> bool:
        if self.left is not None and self.left <= 0:
            return False
        if self.left is not None:
            self.left -= 1
        self.used += 1
        return True


@dataclass
class Bisection:
    passes: Callable[[frozenset[str]], bool]
    budget: Budget = field(default_factory=Budget)
    memo: dict[frozenset[str], bool] = field(default_factory=dict)
    # Called before each run with (culprits found, suspects left): progress display.
    on_step: Callable[[int, int], None] | None = None

    def check(self, reverted: frozenset[str], found: list[str], left: Sequence[str]) -> bool:
        if reverted in self.memo:
            return self.memo[reverted]
        if not self.budget.take():
            raise BudgetExhausted(list(found), list(left))
        if self.on_step is not None:
            self.on_step(len(found), len(left))
        result = self.memo[reverted] = self.passes(reverted)
        return result


def find_culprits(suspects: Sequence[str], bisection: Bisection,
                  known_failing: frozenset[str] | None = frozenset()) -> list[str] | None:
    """The culprits among `suspects` (in their order), or None when reverting all of them
    does not pass. `known_failing` is a reverted set already known not to pass (the run that
    found the change: nothing reverted), saving its run."""
    if known_failing is not None:
        bisection.memo.setdefault(known_failing, False)
    pool = list(dict.fromkeys(suspects))
    if not bisection.check(frozenset(pool), [], pool):
        return None
    found: list[str] = []
    while not bisection.check(frozenset(found), found, pool):
        # Invariant: reverting found + pool passes; reverting found alone does not.
        lo, hi = 1, len(pool)
        while lo < hi:
            mid = (lo + hi) // 2
            if bisection.check(frozenset(found) | frozenset(pool[:mid]), found, pool):
                hi = mid
            else:
                lo = mid + 1
        found.append(pool[lo - 1])
        pool = pool[:lo - 1]
    return found
