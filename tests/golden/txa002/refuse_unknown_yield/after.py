from twisted.internet import defer


@defer.inlineCallbacks
def lookup(cache, key):
    value = yield cache.get(key)
    return value


async def known():
    value = await defer.succeed(1)
    return value
