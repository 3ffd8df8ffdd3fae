"""DeferredLock.run awaits a coroutine function only from Twisted 22.8 (maybeDeferred)."""
from twisted.internet import defer, task


@defer.inlineCallbacks
def critical(clock, log, name):
    log.append(("enter", name))
    yield task.deferLater(clock, 1, lambda: None)
    log.append(("leave", name))
    defer.returnValue(name)


def scenario(clock, log):
    lock = defer.DeferredLock()
    first = lock.run(critical, clock, log, "a")
    second = lock.run(critical, clock, log, "b")
    return defer.gatherResults([first, second])
