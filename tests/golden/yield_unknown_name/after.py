from twisted.internet import defer, task


class Holder:
    def __init__(self, clock):
        self.pending = task.deferLater(clock, 2, lambda: "pending-result")
        self.plain = "plain-attr"


async def consume(log, d, value, holder):
    first = await defer.maybeDeferred(lambda: d)
    log.append(("first", first))
    second = await defer.maybeDeferred(lambda: value)
    log.append(("second", second))
    third = await defer.maybeDeferred(lambda: holder.pending)
    log.append(("third", third))
    fourth = await defer.maybeDeferred(lambda: holder.plain)
    return (first, second, third, fourth)


def scenario(clock, log):
    return defer.ensureDeferred(
        consume(log, task.deferLater(clock, 1, lambda: "d"), 42, Holder(clock))
    )
