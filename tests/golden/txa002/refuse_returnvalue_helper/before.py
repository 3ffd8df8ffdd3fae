from twisted.internet import defer


def finish(value):
    defer.returnValue(value)


@defer.inlineCallbacks
def outer(d):
    value = yield d
    finish(value)
