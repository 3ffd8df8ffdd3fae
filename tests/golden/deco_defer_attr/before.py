from twisted.internet import defer, task


@defer.inlineCallbacks
def fetch_twice(clock, log):
    """Fetch a value, then derive a second one from it."""
    first = yield task.deferLater(clock, 1, lambda: "a")
    log.append(first)
    second = yield defer.succeed(first * 2)
    log.append(second)
    defer.returnValue(first + second)


def scenario(clock, log):
    return fetch_twice(clock, log)
