"""`self.done` is only ever bound to a Deferred, but one kept in an attribute may be shared:
once it has fired (or while it runs its callbacks) `yield` consumes its result and waits
its turn, `await` does neither, so `Waiter.wait` stays as written (yield-shared-deferred);
a local bound only to `succeed(...)` is awaited."""
from twisted.internet import defer


class Waiter:
    def __init__(self):
        self.done = defer.Deferred()

    def fire(self, value):
        self.done.callback(value)

    def reset(self):
        d = defer.Deferred()
        self.done = d

    @defer.inlineCallbacks
    def wait(self, log):
        ready = defer.succeed("ready")
        log.append((yield ready))
        value = yield self.done
        log.append(value)
        return value


class QuickWaiter(Waiter):
    def __init__(self):
        super().__init__()
        self.done = defer.succeed("quick")


def scenario(clock, log):
    waiter = Waiter()
    d = waiter.wait(log)
    clock.callLater(1, waiter.fire, "fired")
    clock.advance(1)
    return d
