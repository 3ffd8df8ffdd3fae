"""A call inside a lambda on its own parameter, a receiver txasync cannot type: `get` keeps
its Deferred API."""
from twisted.internet import defer, task


class Cache:
    def __init__(self, clock, log):
        self.clock = clock
        self.log = log
        self.data = {}

    @defer.inlineCallbacks
    def get(self, key):
        """Return the value for `key`, loading it once."""
        if key in self.data:
            defer.returnValue(self.data[key])
        self.log.append(("load", key))
        value = yield task.deferLater(self.clock, 1, lambda: key * 2)
        self.data[key] = value
        defer.returnValue(value)


def scenario(clock, log):
    cache = Cache(clock, log)
    d = task.deferLater(clock, 1, lambda: "x")
    d.addCallback(lambda key, c: c.get(key), cache)
    d.addCallback(lambda v: (v, sorted(cache.data)))
    return d
