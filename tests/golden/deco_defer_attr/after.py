from twisted.internet import defer, task


async def fetch_twice(clock, log):
    """Fetch a value, then derive a second one from it."""
    first = await task.deferLater(clock, 1, lambda: "a")
    log.append(first)
    second = await defer.succeed(first * 2)
    log.append(second)
    return first + second


def scenario(clock, log):
    return defer.ensureDeferred(fetch_twice(clock, log))
