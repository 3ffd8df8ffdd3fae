# `if isinstance(x, C):` types `x` in its body: the call reaches `C`'s method (and its
# overrides) only, so `Store.get` converts with that caller wrapped. A body that rebinds the
# name narrows nothing: `Cache.lookup` keeps its Deferred API, as for any unknown receiver.
from twisted.internet import defer


class Store:
    @defer.inlineCallbacks
    def get(self, key):
        yield defer.succeed(None)
        return "stored " + key


class Cache:
    @defer.inlineCallbacks
    def lookup(self, key):
        yield defer.succeed(None)
        return "cached " + key


class Other:
    def get(self, key):
        return "other " + key

    def lookup(self, key):
        return "other " + key


def collect(thing, key, results):
    if isinstance(thing, Store):
        results.append(thing.get(key))
    else:
        results.append(defer.succeed(key))


def collect_again(thing, key, results):
    if isinstance(thing, Cache):
        thing = thing if key else Other()
        results.append(thing.lookup(key))


def scenario(clock, log):
    results = []
    collect(Store(), "a", results)
    collect(Other(), "b", results)
    collect_again(Cache(), "c", results)
    d = defer.gatherResults(results)
    d.addCallback(log.append)
    return d
