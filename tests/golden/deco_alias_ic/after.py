from twisted.internet import defer
from twisted.internet.defer import succeed


async def double(log, x):
    y = await succeed(x)
    log.append(y)
    return y * 2


def scenario(clock, log):
    return defer.ensureDeferred(double(log, 4))
