"""A method found by a computed name and handed over uncalled: `callLater(0, handler, log)`
with `handler = getattr(target, name)` calls whatever the lookup found and drops the
result, so an `async def` found there would never run. Every method the lookup may find
keeps its Deferred API, as for `getattr(target, name)(log)`. (Found on vumi: its middleware
stack hands `getattr(middleware, "handle_%s" % ...)` to `maybeDeferred`, which awaits a
coroutine only from Twisted 22.8 on.)"""
from twisted.internet import defer


def fire(clock, target, name, log):
    handler = getattr(target, name)
    clock.callLater(0, handler, log)


class Pinger:
    @defer.inlineCallbacks
    def on_ping(self, log):
        yield defer.succeed(None)
        log.append("pinged")

    @defer.inlineCallbacks
    def run(self, log):
        yield self.on_ping(log)
        log.append("ran")


def scenario(clock, log):
    fire(clock, Pinger(), "on_ping", log)
    clock.advance(1)
    Pinger().run(log)
    return defer.succeed(log[:])
