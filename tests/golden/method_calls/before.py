"""Methods calling each other through `self`; an outside caller holds an instance."""
from twisted.internet import defer, task


class Cache:
    def __init__(self, clock, log):
        self.clock = clock
        self.log = log
        self.data = {}

    @defer.inlineCallbacks
    def load(self, key):
        self.log.append(("load", key))
        value = yield task.deferLater(self.clock, 1, lambda: key * 2)
        self.data[key] = value
        defer.returnValue(value)

    @defer.inlineCallbacks
    def get(self, key):
        if key in self.data:
            defer.returnValue(self.data[key])
        value = yield self.load(key)
        defer.returnValue(value)

    @defer.inlineCallbacks
    def warm(self, keys):
        pending = [self.load(k) for k in keys]
        yield defer.gatherResults(pending)
        self.log.append("warm")


def scenario(clock, log):
    cache = Cache(clock, log)
    warmed = cache.warm(["x", "y"])
    got = cache.get("z")
    return defer.gatherResults([warmed, got]).addCallback(lambda r: (r, sorted(cache.data)))
