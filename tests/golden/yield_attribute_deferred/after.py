"""`self.done` is only ever bound to a Deferred (here, in a subclass, and through a local
bound to `Deferred()`), so `yield self.done` becomes `await self.done`; so does a local
bound only to `succeed(...)`."""
from twisted.internet import defer


class Waiter:
    def __init__(self):
        self.done = defer.Deferred()

    def fire(self, value):
        self.done.callback(value)

    def reset(self):
        d = defer.Deferred()
        self.done = d

    async def wait(self, log):
        ready = defer.succeed("ready")
        log.append(await ready)
        value = await self.done
        log.append(value)
        return value


class QuickWaiter(Waiter):
    def __init__(self):
        super().__init__()
        self.done = defer.succeed("quick")


def scenario(clock, log):
    waiter = Waiter()
    d = defer.ensureDeferred(waiter.wait(log))
    clock.callLater(1, waiter.fire, "fired")
    clock.advance(1)
    return d
