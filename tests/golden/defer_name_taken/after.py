"""`defer` is already a local name here, so the added import gets a private alias."""
from twisted.internet import defer as _txasync_defer
from twisted.internet.defer import succeed


def defer(callback):
    return callback


async def task_one(log):
    value = await succeed(1)
    log.append(("one", value))
    return value


def scenario(clock, log):
    d = _txasync_defer.ensureDeferred(task_one(log))
    return d.addCallback(lambda v: v + 1)
