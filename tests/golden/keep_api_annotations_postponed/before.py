# A keep-API wrapper returns a Deferred: its old `Generator[..., ..., T]` annotation becomes
# `Deferred[T]` (unquoted: this module postpones annotations),
# the async helper declares `T`. (`obj.get(key)` in a conditional expression on an untyped
# receiver keeps `get`'s API; `fetch`, whose result is used as a Deferred there, converts,
# wrapped.)
from __future__ import annotations

from typing import Any, Generator

from twisted.internet import defer
from twisted.internet.defer import Deferred


class Store:
    @defer.inlineCallbacks
    def get(self, key: str) -> Generator[Deferred[Any], Any, int]:
        """Fetch a key."""
        yield defer.succeed(None)
        return len(key)

    @defer.inlineCallbacks
    def fetch(self) -> "Deferred[str]":
        yield defer.succeed(None)
        return "fetched"


def use(obj, key):
    d = obj.get(key) if key else defer.succeed(0)
    d.addCallback(lambda n: obj.fetch().addCallback(lambda s: (n, s)))
    return d


def scenario(clock, log):
    d = use(Store(), "four")
    d.addCallback(log.append)
    return d
