import twisted.internet.defer
from twisted.internet import task


async def compute(clock, log):
    value = await task.deferLater(clock, 2, lambda: 21)
    log.append(("value", value))
    return value * 2


def scenario(clock, log):
    d = twisted.internet.defer.ensureDeferred(compute(clock, log))
    log.append("called")
    return d
