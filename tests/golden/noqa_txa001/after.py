from twisted.internet import defer


@defer.inlineCallbacks
def left_alone(d):  # noqa: TXA001
    value = yield d
    return value


@defer.inlineCallbacks
def everything_suppressed(d):  # noqa
    value = yield d
    return value
