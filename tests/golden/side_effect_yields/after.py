from twisted.internet import defer


def audit(log):
    log.append("audit")


async def work(log):
    # plain values yielded for their side effects: the calls must still happen
    await defer.maybeDeferred(log.append, "start"); audit(log)
    [log.append("listed")]
    value = await defer.succeed(2)
    log.append(("value", value))
    return value


def scenario(clock, log):
    return defer.ensureDeferred(work(log))
