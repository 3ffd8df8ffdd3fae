from twisted.internet import defer


@defer.inlineCallbacks
def finish(d):
    yield d
    defer.returnValue()
