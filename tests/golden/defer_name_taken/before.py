"""`defer` is already a local name here, so the added import gets a private alias."""
from twisted.internet.defer import inlineCallbacks, succeed


def defer(callback):
    return callback


@inlineCallbacks
def task_one(log):
    value = yield succeed(1)
    log.append(("one", value))
    return value


def scenario(clock, log):
    d = task_one(log)
    return d.addCallback(lambda v: v + 1)
