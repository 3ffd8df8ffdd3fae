# A keep-API wrapper keeps the original signature's layout (one parameter a line, the
# comment beside a parameter) and its docstring; only the helper below it is new, without
# the defaults: the wrapper, its one caller, passes every argument.
from typing import Any

from twisted.internet import defer


class Store:
    def get(
        self,
        key: str,
        default: int = 0,  # the fallback
        *,
        strict: bool = False,
    ) -> "defer.Deferred[int]":
        """Fetch a key.

        @return: a Deferred firing with the length.
        """
        return defer.ensureDeferred(self.__get(key, default, strict=strict))

    async def __get(
        self,
        key: str,
        default: int,  # the fallback
        *,
        strict: bool,
    ) -> int:
        await defer.succeed(None)
        return len(key) + default + strict


def use(obj, key):
    d = obj.get(key, 1, strict=True) if key else defer.succeed(0)
    return d


def scenario(clock, log):
    d = use(Store(), "four")
    d.addCallback(log.append)
    return d
