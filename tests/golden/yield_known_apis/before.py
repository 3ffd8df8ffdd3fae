from twisted.internet import defer, task
from twisted.internet.task import deferLater


@defer.inlineCallbacks
def known(clock, log):
    a = yield defer.succeed(1)
    log.append(("a", a))
    b = yield task.deferLater(clock, 3, lambda: 2)
    log.append(("b", b))
    c = yield deferLater(clock, 1, lambda: 3)
    log.append(("c", c))
    both = yield defer.gatherResults([defer.succeed(4), task.deferLater(clock, 1, lambda: 5)])
    log.append(("both", both))
    results = yield defer.DeferredList([defer.succeed(6)])
    log.append(("results", results))
    defer.returnValue(a + b + c + sum(both))


def scenario(clock, log):
    return known(clock, log)
