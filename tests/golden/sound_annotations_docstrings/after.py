# Return annotations are evidence: `-> Deferred[int]` makes a plain `await`; `Optional[...]`
# does not. A docstring naming a Deferred (epytext `@rtype:`, Sphinx `:rtype:`) is evidence
# only for a declaration, which has no body to read: on a real body the body decides (real
# docstrings say "returns a Deferred" of functions that return a plain value).
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


def liar(x):
    """@return: a Deferred firing with x + 1 (it is not one)"""
    return x + 1


class Base:
    def fetch(self, x):
        """:rtype: Deferred"""
        raise NotImplementedError()


class Impl(Base):
    def fetch(self, x):
        return _compute(x)


async def total(log, impl: Base = Impl()):
    a = await annotated(1)
    b = await documented(1)
    c = await sphinx(1)
    d = await defer.maybeDeferred(maybe, 0)
    e = await defer.maybeDeferred(either, 0)
    f = liar(1)
    g = await impl.fetch(2)
    log.append((a, b, c, d, e, f, g))


def scenario(clock, log):
    return defer.ensureDeferred(total(log))
