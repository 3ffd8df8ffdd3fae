"""A pass-through that must keep its Deferred API (a caller txasync cannot see the type
of) stays as written: as `ensureDeferred(self.__f())` with `async def __f(): return x` it
would only hand back, through a coroutine, what it returns today. The call it returns is
then a caller like any other: wrapped where its callee becomes async."""
from twisted.internet import defer


class Fake:
    def address(self):
        return defer.succeed("127.0.0.1")

    async def _port(self):
        await defer.succeed(None)
        return 9050

    def port(self):
        return defer.ensureDeferred(self._port())


def describe(endpoint):
    d = endpoint.address() if endpoint else defer.succeed(None)
    e = endpoint.port() if endpoint else defer.succeed(None)
    return defer.gatherResults([d, e])


def scenario(clock, log):
    d = describe(Fake())
    d.addCallback(log.append)
    return d
