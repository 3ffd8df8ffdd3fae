from twisted.internet import defer


class Account:
    @property
    @defer.inlineCallbacks
    def balance(self):
        value = yield defer.succeed(10)
        return value
