from twisted.internet import defer


class Source:
    def read(self):
        return "plain"


class DeferredSource(Source):
    @defer.inlineCallbacks
    def read(self):
        value = yield defer.succeed("deferred")
        return value
