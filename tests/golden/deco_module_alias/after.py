import twisted.internet.defer as tid


async def total(log, values):
    acc = 0
    for v in values:
        acc += await tid.succeed(v)
        log.append(acc)
    return acc


def scenario(clock, log):
    return tid.ensureDeferred(total(log, [1, 2, 3]))
