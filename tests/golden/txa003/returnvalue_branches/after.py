from twisted.internet import defer


async def classify(log, values):
    for v in values:
        r = await defer.succeed(v)
        if r < 0:
            return "negative"
        elif r == 0:
            log.append("zero seen")
            continue
        else:
            log.append(("pos", r))
    else:
        if values:
            return "done"
    while True:
        return "empty"


def scenario(clock, log):
    return defer.gatherResults([
        defer.ensureDeferred(classify(log, [1, 0, 2])),
        defer.ensureDeferred(classify(log, [1, -1, 5])),
        defer.ensureDeferred(classify(log, [])),
    ])
