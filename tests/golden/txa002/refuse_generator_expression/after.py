from twisted.internet import defer


@defer.inlineCallbacks
def odd(items):
    result = yield (x * 2 for x in items)
    return result
