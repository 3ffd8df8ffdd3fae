"""A function handed on through a callback API's extra arguments (`maybeDeferred(f, g)`,
`d.addCallback(f, g)`) is a value f receives, not a callback the API calls: f may keep it
and later use what it returns as a Deferred, so it keeps its Deferred API. (A pass-through
spelt `maybeDeferred(register, handler, name)`, as txasync writes a yield it cannot prove,
must not decide otherwise on a second run.)"""
from twisted.internet import defer, task


class Registry:
    def __init__(self):
        self.handlers = {}

    def register(self, handler, name):
        self.handlers[name] = handler
        return defer.succeed(name)

    def call(self, name, arg):
        return self.handlers[name](arg).addCallback(lambda r: (name, r))


class Session:
    def __init__(self, clock, log):
        self.clock = clock
        self.log = log
        self.registry = Registry()

    def _register_as(self, name, handler):
        return self.registry.register(handler, name)

    @defer.inlineCallbacks
    def join(self):
        yield defer.maybeDeferred(self.registry.register, self.on_call, "a")
        yield defer.succeed("b").addCallback(self._register_as, self.on_other)
        self.log.append("joined")

    @defer.inlineCallbacks
    def on_call(self, x):
        yield task.deferLater(self.clock, 1, lambda: None)
        return x * 10

    @defer.inlineCallbacks
    def on_other(self, x):
        yield task.deferLater(self.clock, 1, lambda: None)
        return x + 1


def scenario(clock, log):
    session = Session(clock, log)
    d = session.join()
    d.addCallback(lambda _: session.registry.call("a", 1))
    d.addCallback(log.append)
    d.addCallback(lambda _: session.registry.call("b", 2))
    d.addCallback(log.append)
    return d
