# Regression (property tests): a function nested in a method sees the method's `self`, so
# `yield self.fetch()` there is a call of a method converted in the same run and is awaited.
# Before, the nested body did not resolve `self` and the yield became
# `await defer.maybeDeferred(self.fetch)`, which before Twisted 22.8 never runs a coroutine.
from twisted.internet import defer


class Store:
    def fetch(self):
        return defer.ensureDeferred(self.__fetch())

    async def __fetch(self):
        value = await defer.succeed(1)
        return value

    async def fetch_twice(self):
        async def once():
            r = await self.fetch()
            return r

        first = await once()
        second = await once()
        return first + second

    def callbacks(self):
        # A nested function with its own `self` parameter is not a closure over this one.
        def other(self):
            return defer.ensureDeferred(_other(self))

        async def _other(self):
            r = await defer.maybeDeferred(self.fetch)
            return r

        return other
