# Builtins and literals are not project objects: `self._rows.get(key)` on an attribute
# annotated `Dict[...]` (or assigned `{}`, `[]`, a comprehension) cannot call `Store.get`, so
# `Store.get` converts plainly. A receiver typed as a Protocol may be any class with the
# method; a receiver of unknown type (`obj.lookup(...)`, its result kept in a dict) still makes
# `Cache.lookup` keep its Deferred API.
from typing import Dict, Optional, Protocol

from twisted.internet import defer


class Store:
    def __init__(self) -> None:
        self._rows: Dict[str, int] = {}
        self._seen = set()
        self._names = [n for n in ("a", "b")]

    @defer.inlineCallbacks
    def get(self, key):
        yield defer.succeed(None)
        self._seen.add(key)
        return self._rows.get(key, len(self._names))


class Cache:
    @defer.inlineCallbacks
    def lookup(self, key):
        yield defer.succeed(None)
        return key


class Lookup(Protocol):
    def lookup(self, key): ...


@defer.inlineCallbacks
def through(store: Optional[Store], finder: Lookup, key):
    a = yield store.get(key)
    b = yield finder.lookup(key)
    return (a, b)


def use(obj, key):
    pending = {0: obj.lookup(key)}
    return pending[0]


def scenario(clock, log):
    d = through(Store(), Cache(), "k")
    d.addCallback(log.append)
    d.addCallback(lambda _: use(Cache(), "u"))
    d.addCallback(log.append)
    return d
