from twisted.internet import defer


@defer.inlineCallbacks
def checks(log, values):
    if (yield defer.succeed(bool(values))):
        log.append("non-empty")
    count = 0
    while (yield defer.succeed(count < len(values))):
        count += 1
    log.append((yield defer.succeed("appended")))
    doubled = 2 * (yield defer.succeed(count))
    defer.returnValue((yield defer.succeed(doubled)))


def scenario(clock, log):
    return defer.gatherResults([checks(log, [1, 2, 3]), checks(log, [])])
