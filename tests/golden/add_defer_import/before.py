"""A wrap needs `defer` and the module has none: `from twisted.internet import defer` is added."""
from twisted.internet.defer import inlineCallbacks, succeed


@inlineCallbacks
def notify(log, what):
    log.append(("notify", what))
    yield succeed(None)
    log.append(("notified", what))


def scenario(clock, log):
    notify(log, "x")
    log.append("after call")
    return succeed(log[:])
