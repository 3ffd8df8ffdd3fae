"""A method looked up by a name that can only be one of a loop's literal strings (`for name
in ("on_ping", "on_pong"): callLater(0, getattr(target, name), log)`): only methods of those
names may be what the lookup finds, and they keep their Deferred API; any other method
converts. (Found on autobahn: `for entity in ["subject", "issuer"]:` with
`_x509_name(getattr(cert, entity))` held back 40 functions no lookup could find.)"""
from twisted.internet import defer


def fire(clock, target, log):
    for name in ("on_ping", "on_pong"):
        clock.callLater(0, getattr(target, name), log)


class Pinger:
    def on_ping(self, log):
        return defer.ensureDeferred(self.__on_ping(log))

    async def __on_ping(self, log):
        await defer.succeed(None)
        log.append("pinged")

    def on_pong(self, log):
        log.append("ponged")

    async def run(self, log):
        await self.on_ping(log)
        log.append("ran")


def scenario(clock, log):
    fire(clock, Pinger(), log)
    clock.advance(1)
    d = defer.ensureDeferred(Pinger().run(log))
    return d.addCallback(lambda _: log[:])
