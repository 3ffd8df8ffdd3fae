"""Uncalled references handed to callLater / addCallback get a wrapping lambda."""
from twisted.internet import defer, task


async def tick(clock, log, n):
    log.append(("tick", n))
    await task.deferLater(clock, 1, lambda: None)
    log.append(("tock", n))


async def step(value, log):
    log.append(("step", value))
    await defer.succeed(None)
    return value + 1


def scenario(clock, log):
    clock.callLater(0, lambda *a, **kw: defer.ensureDeferred(tick(*a, **kw)), clock, log, 1)
    clock.callLater(2, lambda *a, **kw: defer.ensureDeferred(tick(*a, **kw)), clock, log, 2)
    d = task.deferLater(clock, 5, lambda: 10)
    d.addCallback(lambda *a, **kw: defer.ensureDeferred(step(*a, **kw)), log)
    d.addCallback(log.append)
    return d
