from twisted.internet import defer, task


@defer.inlineCallbacks
def fetch(clock, log, value):
    log.append(("fetch", value))
    result = yield task.deferLater(clock, 1, lambda: value)
    if result < 0:
        raise ValueError("negative", result)
    defer.returnValue(result * 2)


def scenario(clock, log):
    d = fetch(clock, log, 3).addCallback(lambda v: v + 1)
    d.addCallback(log.append)
    fetch(clock, log, -1).addErrback(lambda f: log.append(("failed", f.value.args)))
    stored = fetch(clock, log, 5)
    stored.addBoth(lambda r: log.append(("stored", r)) or r)
    return defer.gatherResults([d, stored])
