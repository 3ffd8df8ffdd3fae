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

    async def get(self, key):
        await defer.succeed(None)
        self._seen.add(key)
        return self._rows.get(key, len(self._names))


class Cache:
    def lookup(self, key):
        return defer.ensureDeferred(self.__lookup(key))

    async def __lookup(self, key):
        await defer.succeed(None)
        return key


class Lookup(Protocol):
    def lookup(self, key): ...


async def through(store: Optional[Store], finder: Lookup, key):
    a = await store.get(key)
    b = await finder.lookup(key)
    return (a, b)


def use(obj, key):
    pending = {0: obj.lookup(key)}
    return pending[0]


def scenario(clock, log):
    d = defer.ensureDeferred(through(Store(), Cache(), "k"))
    d.addCallback(log.append)
    d.addCallback(lambda _: use(Cache(), "u"))
    d.addCallback(log.append)
    return d
