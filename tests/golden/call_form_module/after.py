from twisted.internet import defer


async def load(log, key):
    value = await defer.succeed(key.upper())
    log.append(value)
    return value


def scenario(clock, log):
    return defer.ensureDeferred(load(log, "k"))
