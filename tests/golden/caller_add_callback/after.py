from twisted.internet import defer, task


async def fetch(clock, log, value):
    log.append(("fetch", value))
    result = await task.deferLater(clock, 1, lambda: value)
    if result < 0:
        raise ValueError("negative", result)
    return result * 2


def scenario(clock, log):
    d = defer.ensureDeferred(fetch(clock, log, 3)).addCallback(lambda v: v + 1)
    d.addCallback(log.append)
    defer.ensureDeferred(fetch(clock, log, -1)).addErrback(
        lambda f: log.append(("failed", f.value.args))
    )
    stored = defer.ensureDeferred(fetch(clock, log, 5))
    stored.addBoth(lambda r: log.append(("stored", r)) or r)
    return defer.gatherResults([d, stored])
