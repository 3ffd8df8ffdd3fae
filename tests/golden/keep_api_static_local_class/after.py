# Regression (property tests): keeping the Deferred API of a static method in a class made
# inside a function called `make.<locals>.Local.__fetch(...)`, which is not Python. The
# wrapper names the class as the method body sees it: a closure variable of `make`.
from twisted.internet import defer


def make():
    class Local:
        @staticmethod
        def fetch(d):
            return defer.ensureDeferred(Local.__fetch(d))

        @staticmethod
        async def __fetch(d):
            x = await defer.maybeDeferred(lambda: d)
            return x

        class Inner:
            @staticmethod
            def fetch(d):
                return defer.ensureDeferred(Local.Inner.__fetch(d))

            @staticmethod
            async def __fetch(d):
                x = await defer.maybeDeferred(lambda: d)
                return x

    return Local


async def use(obj, d):
    # `obj` could be anything: both `fetch` keep returning a Deferred for such callers.
    x = await defer.maybeDeferred(obj.fetch, d)
    return x
