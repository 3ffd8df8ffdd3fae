# Regression (property tests): keeping the Deferred API of a static method in a class made
# inside a function called `make.<locals>.Local.__fetch(...)`, which is not Python. The
# wrapper names the class as the method body sees it: a closure variable of `make`.
from twisted.internet import defer


def make():
    class Local:
        @staticmethod
        @defer.inlineCallbacks
        def fetch(d):
            x = yield d
            defer.returnValue(x)

        class Inner:
            @staticmethod
            @defer.inlineCallbacks
            def fetch(d):
                x = yield d
                defer.returnValue(x)

    return Local


@defer.inlineCallbacks
def use(obj, d):
    # `obj` could be anything: both `fetch` keep returning a Deferred for such callers.
    x = yield obj.fetch(d)
    defer.returnValue(x)
