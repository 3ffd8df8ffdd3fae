# A keep-API wrapper returns a Deferred: its old `Generator[..., ..., T]` annotation becomes
# `Deferred[T]` (a string: `Deferred` is subscriptable at run time only on newer Twisted),
# the async helper declares `T`. (`obj.get(key)` in a conditional expression on an untyped
# receiver keeps `get`'s API; `fetch`, whose result is used as a Deferred there, converts,
# wrapped.)
from typing import Any

from twisted.internet import defer
from twisted.internet.defer import Deferred


class Store:
    def get(self, key: str) -> "Deferred[int]":
        """Fetch a key."""
        return defer.ensureDeferred(self.__get(key))

    async def __get(self, key: str) -> int:
        await defer.succeed(None)
        return len(key)

    async def fetch(self) -> "str":
        await defer.succeed(None)
        return "fetched"


def use(obj, key):
    d = obj.get(key) if key else defer.succeed(0)
    d.addCallback(lambda n: defer.ensureDeferred(obj.fetch()).addCallback(lambda s: (n, s)))
    return d


def scenario(clock, log):
    d = use(Store(), "four")
    d.addCallback(log.append)
    return d
