import twisted.internet.defer
from twisted.internet import task


@twisted.internet.defer.inlineCallbacks
def compute(clock, log):
    value = yield task.deferLater(clock, 2, lambda: 21)
    log.append(("value", value))
    twisted.internet.defer.returnValue(value * 2)


def scenario(clock, log):
    d = compute(clock, log)
    log.append("called")
    return d
