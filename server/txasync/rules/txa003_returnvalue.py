"""## What it does

Finds `returnValue(x)` called in an inlineCallbacks function's own frame, and rewrites it as
`return x`.

## Why is this bad?

`returnValue` raises an exception to end the generator, a workaround from Python 2.
`return x` in an inlineCallbacks generator works on every Python 3 Twisted and behaves the
same, and `returnValue` has been deprecated (with a DeprecationWarning) since Twisted 24.7.

## Example

```python
from twisted.internet import defer


@defer.inlineCallbacks
def fetch(d):
    value = yield d
    defer.returnValue(value)
```

## Use instead

```python
from twisted.internet import defer


@defer.inlineCallbacks
def fetch(d):
    value = yield d
    return value
```

## Fix safety

Safe, except where a bare `except:` or `except BaseException:` encloses the call (it catches
`returnValue`'s exception today: no fix), or a `with` block does (its context manager sees an
exception today, and a rollback-on-error manager rolls back): there the fix is *unsafe*.
`returnValue` called from a nested function ends the *outer* generator and is not touched.
Where a test reads the warnings raised while the function runs (trial's `flushWarnings`,
`assertWarns`, `warnings.catch_warnings(record=True)`), the DeprecationWarning is part of
what the test sees: no fix, and the function is not converted. Convert it by hand once no
test reads `returnValue`'s DeprecationWarning.

## Twisted versions

`return x` in a generator works from Twisted 15.0 (Python 3); `returnValue` warns from 24.7.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..analysis.findings import Finding, FixSafety
from .base import TWISTED_IMPORT, Invalid, Rule, Valid

if TYPE_CHECKING:
    from ..analysis.plan import Decision

_GUARDED = {
    "with": "; a `with` block encloses it, and its context manager sees returnValue as "
            "an exception today",
    "bare-except": "; a bare `except:` catches it today",
    "baseexception": "; an `except BaseException:` catches it today",
}


def from_decision(decision: Decision) -> Iterator[Finding]:
    """Every `returnValue(...)` in the function's own frame, converted or not."""
    if decision.shape is not None:
        return  # a pass-through or a chain: its own rule says it
    fn = decision.fn
    read = any(r.kind == "return-value-warning" for r in decision.reasons)
    for rv in fn.return_values:
        if read or not rv.single or not rv.as_statement:
            # (read: a test reads the deprecation warning that `returnValue` raises)
            safety: FixSafety = "none"
        elif rv.guarded_by:
            safety = "unsafe"
        else:
            safety = "safe"
        extra = _GUARDED.get(rv.guarded_by, "")
        if read:
            extra = ("; not fixed: a test reads its DeprecationWarning (convert it by hand once "
                     "no test does)")
        yield RULE.finding(
            decision.facts.path, rv.span,
            f"`returnValue(...)` is deprecated since Twisted 24.7: use `return`{extra}",
            fn.qualname, fix_safety=safety, data={"tags": list(RULE.tags)})


RULE = Rule(
    code="TXA003",
    name="returnvalue",
    severity="hint",
    fix_safety="safe",
    summary="`returnValue(x)` in the function's own frame: deprecated since Twisted 24.7; "
    "`return x` works on every Python 3 Twisted.",
    doc=__doc__ or "",
    fix_title="Replace `returnValue(...)` with `return`",
    from_decision=from_decision,
    tags=("deprecated",),
    invalid=(
        Invalid(
            TWISTED_IMPORT + "@defer.inlineCallbacks\ndef f(d):\n    def cb(x):\n"
            "        defer.returnValue(x)\n    x = yield d\n    defer.returnValue(x)\n",
            fixed=TWISTED_IMPORT + "@defer.inlineCallbacks\ndef f(d):\n    def cb(x):\n"
            "        defer.returnValue(x)\n    x = yield d\n    return x\n",
        ),
        Invalid(
            TWISTED_IMPORT + "@defer.inlineCallbacks\ndef f(d):\n    try:\n"
            "        x = yield d\n        defer.returnValue(x)\n"
            "    except:\n        pass\n",
            fixed=None,
        ),
    ),
    valid=(
        Valid(TWISTED_IMPORT + "@defer.inlineCallbacks\ndef f(d):\n"
              "    x = yield d\n    return x\n"),
        Valid(TWISTED_IMPORT + "def finish(x):\n    defer.returnValue(x)\n"),
    ),
)
