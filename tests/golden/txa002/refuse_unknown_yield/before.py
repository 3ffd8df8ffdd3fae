from twisted.internet import defer


@defer.inlineCallbacks
def lookup(cache, key):
    value = yield cache.get(key)
    return value


@defer.inlineCallbacks
def known():
    value = yield defer.succeed(1)
    return value
