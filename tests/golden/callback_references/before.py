"""Uncalled references handed to callLater / addCallback get a wrapping lambda."""
from twisted.internet import defer, task


@defer.inlineCallbacks
def tick(clock, log, n):
    log.append(("tick", n))
    yield task.deferLater(clock, 1, lambda: None)
    log.append(("tock", n))


@defer.inlineCallbacks
def step(value, log):
    log.append(("step", value))
    yield defer.succeed(None)
    defer.returnValue(value + 1)


def scenario(clock, log):
    clock.callLater(0, tick, clock, log, 1)
    clock.callLater(2, tick, clock, log, 2)
    d = task.deferLater(clock, 5, lambda: 10)
    d.addCallback(step, log)
    d.addCallback(log.append)
    return d
