from twisted.internet import defer, task
from twisted.internet.task import deferLater


async def known(clock, log):
    a = await defer.succeed(1)
    log.append(("a", a))
    b = await task.deferLater(clock, 3, lambda: 2)
    log.append(("b", b))
    c = await deferLater(clock, 1, lambda: 3)
    log.append(("c", c))
    both = await defer.gatherResults([defer.succeed(4), task.deferLater(clock, 1, lambda: 5)])
    log.append(("both", both))
    results = await defer.DeferredList([defer.succeed(6)])
    log.append(("results", results))
    return a + b + c + sum(both)


def scenario(clock, log):
    return defer.ensureDeferred(known(clock, log))
