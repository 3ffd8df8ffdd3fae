"""Callers whose calls span lines get `ensureDeferred(...)` around the whole call, comments
and line breaks inside it kept."""
from twisted.internet import defer, task


async def fetch(clock, a,
                b=0):
    value = await task.deferLater(clock, 1, lambda: a + b)
    return value


def start(clock, log):
    d = defer.ensureDeferred(fetch(
        clock,
        # the value
        1,
        b=2))
    d.addCallback(
        lambda v: log.append(("start", v)))
    return d


def both(clock, log):
    return defer.gatherResults([defer.ensureDeferred(fetch(clock,
                                                           3)), (defer.ensureDeferred(fetch
                                                                 (clock, 4)))])


def scenario(clock, log):
    d = start(clock, log)
    d.addCallback(lambda _: both(clock, log))
    d.addCallback(lambda v: log.append(("both", v)))
    return d
