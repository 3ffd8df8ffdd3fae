# A keep-API wrapper of a function annotated with the alias returns Deferred[T].
from __future__ import annotations

from typing import Any, Generator, TypeVar

from twisted.internet import defer

_T = TypeVar("_T")

# The project's own spelling of an inlineCallbacks function's return type.
InlineCallbacksType = Generator[Any, Any, _T]


async def fetch_count(client) -> int:
    count = await defer.maybeDeferred(client.count)
    return count


class Store:
    async def save(self, value) -> None:
        """Save the value."""
        await self.write(value)

    def write(self, value):
        return defer.succeed(None)


async def keep_typed(client) -> dict[str, int]:
    result = await defer.maybeDeferred(client.count)
    return result


class Cache:
    def get(self, key: str) -> defer.Deferred[int]:
        """Fetch a key."""
        return defer.ensureDeferred(self.__get(key))

    async def __get(self, key: str) -> int:
        await defer.succeed(None)
        return len(key)


def use(obj, key):
    d = obj.get(key) if key else defer.succeed(0)
    return d


async def unknown(client) -> Any:
    await defer.maybeDeferred(client.count)
