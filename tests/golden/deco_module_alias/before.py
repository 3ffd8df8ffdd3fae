import twisted.internet.defer as tid


@tid.inlineCallbacks
def total(log, values):
    acc = 0
    for v in values:
        acc += yield tid.succeed(v)
        log.append(acc)
    tid.returnValue(acc)


def scenario(clock, log):
    return total(log, [1, 2, 3])
