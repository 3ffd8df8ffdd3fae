"""returnValue arguments that span lines: the call's parentheses held the line breaks and
the comments, so they become the parentheses of the returned value (never a crash)."""
from twisted.internet import defer, task


class Reply:
    def __init__(self, ok):
        self.ok = ok


@defer.inlineCallbacks
def multi(clock, x):
    yield task.deferLater(clock, 1, lambda: None)
    defer.returnValue(
        x
        and x.ok
    )


@defer.inlineCallbacks
def commented(clock, x):
    yield task.deferLater(clock, 1, lambda: None)
    if x.ok:
        defer.returnValue(  # the common case
            x.ok)
    defer.returnValue(x,  # a trailing comma is not a tuple
    )


@defer.inlineCallbacks
def continued(clock, n):
    yield task.deferLater(clock, 1, lambda: None)
    defer.returnValue(n \
        + 1)


@defer.inlineCallbacks
def dotted(clock, x):
    yield task.deferLater(clock, 1, lambda: None)
    defer.returnValue(x
                      .ok)


@defer.inlineCallbacks
def listed(clock, n):
    yield task.deferLater(clock, 1, lambda: None)
    defer.returnValue([
        n,  # first
        n * 2,
    ])


@defer.inlineCallbacks
def around_comma(clock, n):
    yield task.deferLater(clock, 1, lambda: None)
    defer.returnValue(n  # before the comma
                      ,  # after it
                      )


def scenario(clock, log):
    d = multi(clock, Reply("yes"))
    d.addCallback(lambda v: log.append(("multi", v)))
    d.addCallback(lambda _: commented(clock, Reply(0)))
    d.addCallback(lambda v: log.append(("commented", type(v).__name__)))
    d.addCallback(lambda _: commented(clock, Reply(3)))
    d.addCallback(lambda v: log.append(("commented", v)))
    d.addCallback(lambda _: continued(clock, 4))
    d.addCallback(lambda v: log.append(("continued", v)))
    d.addCallback(lambda _: dotted(clock, Reply(5)))
    d.addCallback(lambda v: log.append(("dotted", v)))
    d.addCallback(lambda _: listed(clock, 6))
    d.addCallback(lambda v: log.append(("listed", v)))
    d.addCallback(lambda _: around_comma(clock, 7))
    return d
