from twisted.internet import defer


@defer.inlineCallbacks
def pair(d):
    value = yield d
    defer.returnValue(value, value)
