from twisted.internet import defer

from myproject.tracing import traced


@traced
@defer.inlineCallbacks
def fetch(d):
    value = yield d
    return value
