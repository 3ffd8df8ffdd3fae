"""With wrapper = "fromCoroutine", callers get `Deferred.fromCoroutine(...)`."""
from twisted.internet import defer, task


@defer.inlineCallbacks
def job(clock, log, n):
    log.append(("job", n))
    yield task.deferLater(clock, n, lambda: None)
    defer.returnValue(n * 2)


def scenario(clock, log):
    first = job(clock, log, 2)
    second = job(clock, log, 1)
    return defer.gatherResults([first, second])
