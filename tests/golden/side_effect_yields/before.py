from twisted.internet import defer


def audit(log):
    log.append("audit")


@defer.inlineCallbacks
def work(log):
    # plain values yielded for their side effects: the calls must still happen
    yield log.append("start"); yield audit(log)
    yield [log.append("listed")]
    yield None
    value = yield defer.succeed(2)
    log.append(("value", value))
    return value


def scenario(clock, log):
    return work(log)
