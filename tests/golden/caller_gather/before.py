from twisted.internet import defer, task


@defer.inlineCallbacks
def square(clock, log, x):
    log.append(("begin", x))
    yield task.deferLater(clock, x, lambda: None)
    log.append(("end", x))
    defer.returnValue(x * x)


def scenario(clock, log):
    gathered = defer.gatherResults([square(clock, log, 3), square(clock, log, 1)])
    listed = defer.DeferredList([square(clock, log, 2)])
    comprehended = defer.gatherResults([square(clock, log, x) for x in (4, 5)])
    return defer.gatherResults([gathered, listed, comprehended])
