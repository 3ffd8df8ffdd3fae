"""A wrap needs `defer` and the module has none: `from twisted.internet import defer` is added."""
from twisted.internet import defer
from twisted.internet.defer import succeed


async def notify(log, what):
    log.append(("notify", what))
    await succeed(None)
    log.append(("notified", what))


def scenario(clock, log):
    defer.ensureDeferred(notify(log, "x"))
    log.append("after call")
    return succeed(log[:])
