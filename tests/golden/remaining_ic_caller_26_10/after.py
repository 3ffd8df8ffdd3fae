"""`legacy` stays an inlineCallbacks function (it uses `yield from`). It yields a call of the
converted `fetch`: inlineCallbacks awaits a coroutine only from Twisted 24.7."""
from twisted.internet import defer


async def fetch(log, x):
    v = await defer.succeed(x)
    log.append(("fetched", v))
    return v * 10


def _sub(log):
    r = yield defer.succeed("sub")
    log.append(("sub", r))
    return r


@defer.inlineCallbacks
def legacy(log):
    got = yield fetch(log, 1)
    sub = yield from _sub(log)
    return (got, sub)


def scenario(clock, log):
    return legacy(log)
