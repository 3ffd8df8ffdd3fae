"""With wrapper = "fromCoroutine", callers get `Deferred.fromCoroutine(...)`."""
from twisted.internet import defer, task


async def job(clock, log, n):
    log.append(("job", n))
    await task.deferLater(clock, n, lambda: None)
    return n * 2


def scenario(clock, log):
    first = defer.Deferred.fromCoroutine(job(clock, log, 2))
    second = defer.Deferred.fromCoroutine(job(clock, log, 1))
    return defer.gatherResults([first, second])
