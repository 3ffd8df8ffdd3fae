from twisted.internet import defer


@defer.inlineCallbacks
def nothing_to_wait_for(x):
    return x + 1
