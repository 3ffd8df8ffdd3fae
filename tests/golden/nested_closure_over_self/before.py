# Regression (property tests): a function nested in a method sees the method's `self`, so
# `yield self.fetch()` there is a call of a method converted in the same run and is awaited.
# Before, the nested body did not resolve `self` and the yield became
# `await defer.maybeDeferred(self.fetch)`, which before Twisted 22.8 never runs a coroutine.
from twisted.internet import defer


class Store:
    @defer.inlineCallbacks
    def fetch(self):
        value = yield defer.succeed(1)
        defer.returnValue(value)

    @defer.inlineCallbacks
    def fetch_twice(self):
        @defer.inlineCallbacks
        def once():
            r = yield self.fetch()
            defer.returnValue(r)

        first = yield once()
        second = yield once()
        defer.returnValue(first + second)

    def callbacks(self):
        # A nested function with its own `self` parameter is not a closure over this one.
        @defer.inlineCallbacks
        def other(self):
            r = yield self.fetch()
            defer.returnValue(r)

        return other
