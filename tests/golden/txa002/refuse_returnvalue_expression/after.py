from twisted.internet import defer


@defer.inlineCallbacks
def shortcut(d, flag):
    value = yield d
    flag and defer.returnValue(value)
    return None
