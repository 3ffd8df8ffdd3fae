# A keep-API wrapper keeps the original signature's layout (one parameter a line, the
# comment beside a parameter) and its docstring; only the helper below it is new, without
# the defaults: the wrapper, its one caller, passes every argument.
from typing import Any, Generator

from twisted.internet import defer


class Store:
    @defer.inlineCallbacks
    def get(
        self,
        key: str,
        default: int = 0,  # the fallback
        *,
        strict: bool = False,
    ) -> Generator[Any, Any, int]:
        """Fetch a key.

        @return: a Deferred firing with the length.
        """
        yield defer.succeed(None)
        return len(key) + default + strict


def use(obj, key):
    d = obj.get(key, 1, strict=True) if key else defer.succeed(0)
    return d


def scenario(clock, log):
    d = use(Store(), "four")
    d.addCallback(log.append)
    return d
