from twisted.internet import defer, task


async def square(clock, log, x):
    log.append(("begin", x))
    await task.deferLater(clock, x, lambda: None)
    log.append(("end", x))
    return x * x


def scenario(clock, log):
    gathered = defer.gatherResults(
        [defer.ensureDeferred(square(clock, log, 3)), defer.ensureDeferred(square(clock, log, 1))]
    )
    listed = defer.DeferredList([defer.ensureDeferred(square(clock, log, 2))])
    comprehended = defer.gatherResults(
        [defer.ensureDeferred(square(clock, log, x)) for x in (4, 5)]
    )
    return defer.gatherResults([gathered, listed, comprehended])
