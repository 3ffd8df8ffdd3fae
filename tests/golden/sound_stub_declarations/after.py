# A stub body proves nothing: an Interface method, a `raise NotImplementedError` base method
# and a `pass` method are declarations, so a yield of a call to one is never dropped. Calling
# an Interface adapts: the call may reach any `@implementer` class's method.
from twisted.internet import defer
from twisted.internet.defer import Deferred
from zope.interface import Interface, implementer


class IStore(Interface):
    def lookup(key) -> Deferred:
        """Look the key up."""


class IClock(Interface):
    def now():
        """The time."""


@implementer(IStore)
class MemStore:
    def __init__(self, data):
        self.data = data

    def lookup(self, key):
        return defer.succeed(self.data)


class Abstract:
    def fetch(self, key):
        raise NotImplementedError()

    def ping(self):
        pass

    async def get(self, key):
        value = await self.fetch(key)
        await defer.maybeDeferred(self.ping)
        return value


class Concrete(Abstract):
    def fetch(self, key):
        return defer.succeed(key * 2)

    def ping(self):
        return defer.succeed("pong")


async def get_value(obj, key):
    return (await IStore(obj).lookup(key))[key]


async def stamp(obj):
    t = await defer.maybeDeferred(IClock(obj).now)
    return t


def scenario(clock, log):
    d = defer.ensureDeferred(get_value(MemStore({"a": 1}), "a"))
    d.addCallback(log.append)
    d.addCallback(lambda _: defer.ensureDeferred(Concrete().get(3)))
    d.addCallback(log.append)
    return d
