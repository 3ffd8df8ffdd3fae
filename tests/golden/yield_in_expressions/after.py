from twisted.internet import defer


async def checks(log, values):
    if await defer.succeed(bool(values)):
        log.append("non-empty")
    count = 0
    while await defer.succeed(count < len(values)):
        count += 1
    log.append(await defer.succeed("appended"))
    doubled = 2 * await defer.succeed(count)
    return await defer.succeed(doubled)


def scenario(clock, log):
    return defer.gatherResults(
        [defer.ensureDeferred(checks(log, [1, 2, 3])), defer.ensureDeferred(checks(log, []))]
    )
