# A keep-API helper drops its parameters' defaults (the wrapper passes every argument), but
# not `None` beside an annotation: with implicit Optional, `note: str = None` means
# `Optional[str]`, and `note: str` would tell the project's type checker something else.
# An annotation that admits None already (`who: Optional[str] = None`) loses it as usual.
from typing import Any, Optional

from twisted.internet import defer


class Store:
    def get(self, key: str, count: int = 2, note: str = None, *,
            tag: str = None, upper: bool = False, who: Optional[str] = None,
            ) -> "defer.Deferred[str]":
        return defer.ensureDeferred(self.__get(key, count, note, tag=tag, upper=upper, who=who))

    async def __get(self, key: str, count: int, note: str = None, *,
                    tag: str = None, upper: bool, who: Optional[str],
            ) -> str:
        await defer.succeed(None)
        text = key * count + (note or "") + (tag or "") + (who or "")
        return text.upper() if upper else text


def use(obj, key):
    d = obj.get(key, count=1) if key else defer.succeed("")
    return d


def scenario(clock, log):
    d = use(Store(), "k")
    d.addCallback(log.append)
    return d
