"""Callback chains TXA006 refuses, each with its reason; nothing here changes."""
from twisted.internet import defer, reactor


async def fetch(key):
    return key


class Holder:
    def __init__(self):
        self.pending = None
        self.scale = 2

    def stored(self, key):
        d = defer.ensureDeferred(fetch(key))
        self.pending = d
        d.addCallback(str)
        return d

    def late_argument(self, key):
        d = defer.ensureDeferred(fetch(key))
        d.addCallback(lambda v, s: v * s, self.scale)
        return d


def passed(key, watchers):
    d = defer.ensureDeferred(fetch(key))
    watchers.append(d)
    d.addCallback(str)
    return d


def early(key):
    d = defer.ensureDeferred(fetch(key))
    if not key:
        return d
    d.addCallback(str)
    return d


def cancelled(key):
    d = defer.ensureDeferred(fetch(key))
    reactor.callLater(5, d.cancel)
    d.addCallback(str)
    return d


def conditional(key, strict):
    d = defer.ensureDeferred(fetch(key))
    if strict:
        d.addErrback(lambda f: None)
    return d


def fired(key):
    d = defer.Deferred()
    d.addCallback(str)
    d.callback(key)
    return d


def foreign(d):
    d.addCallback(str)
    return d


def unknown_source(store, key):
    d = store.get(key)
    d.addCallback(str)
    return d


def commented(key):
    d = defer.ensureDeferred(fetch(key))
    # the chain's comments would be lost
    d.addCallback(str)
    return d


class Store:
    def get(self, key):
        return defer.succeed(key * 2)


def scenario(clock, log):
    holder = Holder()
    ds = [holder.stored("a"), holder.late_argument("b"), passed("c", []), early(""),
          early("e"), conditional("f", True), fired("g"), foreign(defer.ensureDeferred(fetch("h"))),
          commented("i"), unknown_source(Store(), "j")]
    return defer.gatherResults(ds)
