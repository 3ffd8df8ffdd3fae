"""Methods calling each other through `self`; an outside caller holds an instance."""
from twisted.internet import defer, task


class Cache:
    def __init__(self, clock, log):
        self.clock = clock
        self.log = log
        self.data = {}

    async def load(self, key):
        self.log.append(("load", key))
        value = await task.deferLater(self.clock, 1, lambda: key * 2)
        self.data[key] = value
        return value

    async def get(self, key):
        if key in self.data:
            return self.data[key]
        value = await self.load(key)
        return value

    async def warm(self, keys):
        pending = [defer.ensureDeferred(self.load(k)) for k in keys]
        await defer.gatherResults(pending)
        self.log.append("warm")


def scenario(clock, log):
    cache = Cache(clock, log)
    warmed = defer.ensureDeferred(cache.warm(["x", "y"]))
    got = defer.ensureDeferred(cache.get("z"))
    return defer.gatherResults([warmed, got]).addCallback(lambda r: (r, sorted(cache.data)))
