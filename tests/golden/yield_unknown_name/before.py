"""`consume` yields `holder.pending`, an attribute: a Deferred kept there may be shared,
so it stays as written (yield-shared-deferred)."""
from twisted.internet import defer, task


class Holder:
    def __init__(self, clock):
        self.pending = task.deferLater(clock, 2, lambda: "pending-result")
        self.plain = "plain-attr"


@defer.inlineCallbacks
def consume(log, d, value, holder):
    first = yield d
    log.append(("first", first))
    second = yield value
    log.append(("second", second))
    third = yield holder.pending
    log.append(("third", third))
    fourth = yield holder.plain
    defer.returnValue((first, second, third, fourth))


def scenario(clock, log):
    return consume(log, task.deferLater(clock, 1, lambda: "d"), 42, Holder(clock))
