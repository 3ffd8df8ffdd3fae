"""`inlineCallbacks` and `returnValue` imported by name; both imports go away."""
from twisted.internet import task
from twisted.internet.defer import inlineCallbacks, returnValue


@inlineCallbacks
def add_later(clock, log, a, b):
    log.append("start")
    yield task.deferLater(clock, 1, log.append, "tick")
    log.append("after tick")
    returnValue(a + b)


def scenario(clock, log):
    return add_later(clock, log, 2, 3)
