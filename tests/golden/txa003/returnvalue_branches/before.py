from twisted.internet import defer


@defer.inlineCallbacks
def classify(log, values):
    for v in values:
        r = yield defer.succeed(v)
        if r < 0:
            defer.returnValue("negative")
        elif r == 0:
            log.append("zero seen")
            continue
        else:
            log.append(("pos", r))
    else:
        if values:
            defer.returnValue("done")
    while True:
        defer.returnValue("empty")


def scenario(clock, log):
    return defer.gatherResults([
        classify(log, [1, 0, 2]),
        classify(log, [1, -1, 5]),
        classify(log, []),
    ])
