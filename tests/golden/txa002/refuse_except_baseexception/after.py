from twisted.internet import defer


@defer.inlineCallbacks
def swallowing(d, log):
    try:
        value = yield d
        defer.returnValue(value)
    except BaseException as exc:
        log.append(type(exc).__name__)
        raise
