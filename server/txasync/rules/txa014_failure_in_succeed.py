"""## What it does

Finds `defer.succeed(Failure(e))`, and a test double's `succeed(x)` of a stored value
(`succeed(self.answers.pop(0))`) when the project's tests store Failure values. A local only
ever bound to values that are never a Failure (a literal, a string it builds, a `range`
loop variable, a `Mock` made without a spec, `object()`) is no stored value: not flagged.

## Why is this bad?

`defer.succeed(x)` promises a result; handed a `Failure`, it makes a Deferred that has
*succeeded* with a failure. inlineCallbacks treated it as an error (the `yield` raised it),
and so do Deferred callbacks, but `await` reads the result of an already fired Deferred
directly on Twisted 24.11+ and fails an assertion inside Twisted instead. Test fakes are
where this is written.

## Example

```python
from twisted.internet import defer
from twisted.python.failure import Failure


def fake_fetch(key):
    return defer.succeed(Failure(KeyError(key)))
```

## Use instead

```python
from twisted.internet import defer


def fake_fetch(key):
    return defer.fail(KeyError(key))
```

## Fix safety

*Unsafe*: the call is respelled `fail(...)` (a stored value: `maybeDeferred(lambda: x)`,
which fails a Failure and succeeds anything else); unsafe only because a `fail` Deferred that
nobody waits on is logged as an unhandled error when it is garbage collected, which trial
reports.

## Twisted versions

`await` of such a Deferred fails from Twisted 24.11; `yield` raised the failure on every
version.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.hazards import Hazard, HazardContext
from ..analysis.index import may_succeed_with_failure
from ..analysis.model import FailureSuccess, ModuleFacts
from .base import Invalid, Rule, Valid

_IMPORTS = ("from twisted.internet import defer\n"
            "from twisted.python.failure import Failure\n\n\n")


def check(context: HazardContext) -> Iterator[Hazard]:
    for facts in context.ws.modules.values():
        for found in facts.failure_successes:
            if may_succeed_with_failure(context.ws, facts, found):
                yield _failure_success(facts, found)


def _failure_success(facts: ModuleFacts, found: FailureSuccess) -> Hazard:
    """`succeed(Failure(e))` (respelled `fail(...)`), or a test double's `succeed(x)` of a
    stored value when the tests store Failure values (`maybeDeferred(lambda: x)`)."""
    if found.arg is None:
        new = "fail"
        message = ("`succeed(Failure(...))` is a Deferred that has *succeeded* with a failure: "
                   "`yield` raised it, `await` on Twisted 24.11+ fails an internal assertion "
                   "instead; use `fail(...)`")
    else:
        new = "maybeDeferred"
        message = ("this test double's `succeed(...)` of a stored value succeeds with a Failure "
                   "when the tests store one (they build Failure values): `yield` raised it, "
                   "`await` on Twisted 24.11+ fails an internal assertion instead; "
                   "`maybeDeferred(lambda: ...)` fails it, as `yield` did")
    rename = found.rename
    return Hazard(
        RULE.finding(facts.path, found.call, message, "",
                     fix_safety="unsafe" if rename is not None else "none"),
        rename=None if rename is None else (
            rename, f"twisted.internet.defer.{new}" if found.import_fail else new),
        defer_arg=found.arg if rename is not None else None)


RULE = Rule(
    code="TXA014",
    name="failure-in-succeed",
    severity="warning",
    fix_safety="unsafe",
    summary="`defer.succeed(Failure(e))`: a Deferred that has succeeded with a failure. `yield` "
    "raised it; `await` on Twisted 24.11+ fails an assertion inside Twisted. Use "
    "`defer.fail(e)`. Also a test double's `succeed(x)` of a stored value "
    "(`succeed(self.answers.pop(0))`) when the tests store Failure values: respelled "
    "`maybeDeferred(lambda: x)`, which fails a Failure and succeeds anything else.",
    doc=__doc__ or "",
    fix_title="Use `fail(...)`",
    check=check,
    invalid=(
        Invalid(
            _IMPORTS + "def fake_fetch(key):\n"
            "    return defer.succeed(Failure(KeyError(key)))\n",
            fixed=_IMPORTS + "def fake_fetch(key):\n"
            "    return defer.fail(Failure(KeyError(key)))\n",
        ),
        Invalid(
            "from twisted.internet.defer import succeed\n"
            "from twisted.python.failure import Failure\n\n\n"
            "class FakeStore:\n    def get(self, key):\n"
            "        return succeed(Failure(KeyError(key)))\n",
            fixed="from twisted.internet.defer import fail, succeed\n"
            "from twisted.python.failure import Failure\n\n\n"
            "class FakeStore:\n    def get(self, key):\n"
            "        return fail(Failure(KeyError(key)))\n",
        ),
        Invalid(
            _IMPORTS + "ANSWERS = [Failure(KeyError('x'))]\n\n\n"
            "class FakeProtocol:\n"
            "    def __init__(self, answers):\n        self.answers = answers\n\n"
            "    def next_answer(self):\n"
            "        answer = self.answers.pop(0)\n"
            "        return defer.succeed(answer)\n",
            fixed=_IMPORTS + "ANSWERS = [Failure(KeyError('x'))]\n\n\n"
            "class FakeProtocol:\n"
            "    def __init__(self, answers):\n        self.answers = answers\n\n"
            "    def next_answer(self):\n"
            "        answer = self.answers.pop(0)\n"
            "        return defer.maybeDeferred(lambda: answer)\n",
        ),
    ),
    valid=(
        Valid(_IMPORTS + "def fake_fetch(key):\n    return defer.succeed(key)\n"),
        # In a test double, with Failure values stored: locals that are never a Failure.
        Valid(_IMPORTS + "ANSWERS = [Failure(KeyError('x'))]\n\n\n"
              "class FakeProtocol:\n"
              "    def get_info_raw(self, keys):\n"
              "        ans = ''.join(k + '=' for k in keys.split())\n"
              "        return defer.succeed(ans)\n\n"
              "    def queue(self):\n"
              "        ds = []\n"
              "        for i in range(3):\n"
              "            ds.append(defer.succeed(i))\n"
              "        return ds + [defer.succeed(n) for n in range(2)]\n"),
    ),
)
