"""returnValue arguments that span lines: the call's parentheses held the line breaks and
the comments, so they become the parentheses of the returned value (never a crash)."""
from twisted.internet import defer, task


class Reply:
    def __init__(self, ok):
        self.ok = ok


async def multi(clock, x):
    await task.deferLater(clock, 1, lambda: None)
    return (
        x
        and x.ok
    )


async def commented(clock, x):
    await task.deferLater(clock, 1, lambda: None)
    if x.ok:
        return (  # the common case
            x.ok)
    return (x  # a trailing comma is not a tuple
    )


async def continued(clock, n):
    await task.deferLater(clock, 1, lambda: None)
    return n \
        + 1


async def dotted(clock, x):
    await task.deferLater(clock, 1, lambda: None)
    return (x
            .ok)


async def listed(clock, n):
    await task.deferLater(clock, 1, lambda: None)
    return [
        n,  # first
        n * 2,
    ]


async def around_comma(clock, n):
    await task.deferLater(clock, 1, lambda: None)
    return ((n  # before the comma
                      )  # after it
                      )


def scenario(clock, log):
    d = defer.ensureDeferred(multi(clock, Reply("yes")))
    d.addCallback(lambda v: log.append(("multi", v)))
    d.addCallback(lambda _: defer.ensureDeferred(commented(clock, Reply(0))))
    d.addCallback(lambda v: log.append(("commented", type(v).__name__)))
    d.addCallback(lambda _: defer.ensureDeferred(commented(clock, Reply(3))))
    d.addCallback(lambda v: log.append(("commented", v)))
    d.addCallback(lambda _: defer.ensureDeferred(continued(clock, 4)))
    d.addCallback(lambda v: log.append(("continued", v)))
    d.addCallback(lambda _: defer.ensureDeferred(dotted(clock, Reply(5))))
    d.addCallback(lambda v: log.append(("dotted", v)))
    d.addCallback(lambda _: defer.ensureDeferred(listed(clock, 6)))
    d.addCallback(lambda v: log.append(("listed", v)))
    d.addCallback(lambda _: defer.ensureDeferred(around_comma(clock, 7)))
    return d
