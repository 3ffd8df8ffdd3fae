# Return annotations and docstrings are evidence: `-> Deferred[int]`, epytext `@rtype:` and
# Sphinx `:rtype:` naming a Deferred make a plain `await`, even on a stub; `Optional[...]`
# and "a Deferred or None" do not.
from typing import Optional

from twisted.internet import defer
from twisted.internet.defer import Deferred


def annotated(x) -> "Deferred[int]":
    return _compute(x)


def _compute(x):
    return defer.succeed(x + 1)


def documented(x):
    """Compute.

    @rtype: L{Deferred}
    """
    return _compute(x)


def sphinx(x):
    """Compute.

    :rtype: Deferred
    """
    return _compute(x)


def maybe(x) -> Optional[Deferred]:
    return _compute(x) if x else None


def either(x):
    """@return: a Deferred or None"""
    return _compute(x) if x else None


async def total(log):
    a = await annotated(1)
    b = await documented(1)
    c = await sphinx(1)
    d = await defer.maybeDeferred(maybe, 0)
    e = await defer.maybeDeferred(either, 0)
    log.append((a, b, c, d, e))


def scenario(clock, log):
    return defer.ensureDeferred(total(log))
