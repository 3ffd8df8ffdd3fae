"""`inlineCallbacks` and `returnValue` imported by name; both imports go away."""
from twisted.internet import defer, task


async def add_later(clock, log, a, b):
    log.append("start")
    await task.deferLater(clock, 1, log.append, "tick")
    log.append("after tick")
    return a + b


def scenario(clock, log):
    return defer.ensureDeferred(add_later(clock, log, 2, 3))
