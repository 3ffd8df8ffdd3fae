"""DeferredLock.run awaits a coroutine function only from Twisted 22.8 (maybeDeferred)."""
from twisted.internet import defer, task


async def critical(clock, log, name):
    log.append(("enter", name))
    await task.deferLater(clock, 1, lambda: None)
    log.append(("leave", name))
    return name


def scenario(clock, log):
    lock = defer.DeferredLock()
    first = lock.run(lambda *a, **kw: defer.ensureDeferred(critical(*a, **kw)), clock, log, "a")
    second = lock.run(lambda *a, **kw: defer.ensureDeferred(critical(*a, **kw)), clock, log, "b")
    return defer.gatherResults([first, second])
