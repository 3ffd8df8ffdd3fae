# A keep-API wrapper of a function annotated with the alias returns Deferred[T].
from __future__ import annotations

from typing import Any, Generator, TypeVar

from twisted.internet import defer

_T = TypeVar("_T")

# The project's own spelling of an inlineCallbacks function's return type.
InlineCallbacksType = Generator[Any, Any, _T]


@defer.inlineCallbacks
def fetch_count(client) -> InlineCallbacksType[int]:
    count = yield client.count()
    return count


class Store:
    @defer.inlineCallbacks
    def save(self, value) -> InlineCallbacksType[None]:
        """Save the value."""
        yield self.write(value)

    def write(self, value):
        return defer.succeed(None)


@defer.inlineCallbacks
def keep_typed(client) -> InlineCallbacksType[dict[str, int]]:
    result = yield client.count()
    return result


class Cache:
    @defer.inlineCallbacks
    def get(self, key: str) -> InlineCallbacksType[int]:
        """Fetch a key."""
        yield defer.succeed(None)
        return len(key)


def use(obj, key):
    d = obj.get(key) if key else defer.succeed(0)
    return d


@defer.inlineCallbacks
def unknown(client) -> InlineCallbacksType:
    yield client.count()
