# More receivers typed by what the code says: `cast(Store, x)`, and a closure variable bound
# in the enclosing function (`store` in `outer`, called in `inner`). A receiver whose type is
# a library class reaches only the project classes deriving from it: `svc: Service` may be a
# `Poller`, so `Poller.stopService` is a possible callee there; the result of a library
# *function* (`copy.copy(store)`) is unknown, and the call's result is kept in a dict, so `Cache.lookup`
# keeps its Deferred API.
import copy
from typing import cast

from twisted.application.service import Service
from twisted.internet import defer


class Store:
    async def get(self, key):
        await defer.succeed(None)
        return key


class Cache:
    def lookup(self, key):
        return defer.ensureDeferred(self.__lookup(key))

    async def __lookup(self, key):
        await defer.succeed(None)
        return "cached " + key


class Other:
    def get(self, key):
        return "other"

    def lookup(self, key):
        return "other"

    def poll(self):
        return "other"


class Poller(Service):
    async def poll(self):
        await defer.succeed(None)
        return "polled"


def typed(thing):
    store = cast(Store, thing)
    return defer.ensureDeferred(store.get("cast"))


def outer():
    store = Store()

    def inner():
        return defer.ensureDeferred(store.get("closure"))

    return inner()


def copied(cache: Cache):
    duplicate = copy.copy(cache)
    pending = {0: duplicate.lookup("copy")}
    return pending[0]


def poke(svc: Service):
    return defer.ensureDeferred(svc.poll())


def scenario(clock, log):
    results = [typed(Store()), outer(), copied(Cache()), poke(Poller())]
    d = defer.gatherResults(results)
    d.addCallback(log.append)
    return d
