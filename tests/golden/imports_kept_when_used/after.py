"""A refused function still uses inlineCallbacks, returnValue and Generator: imports stay."""
from typing import Any, Generator

from twisted.internet.defer import Deferred, inlineCallbacks, returnValue, succeed


async def converted() -> int:
    value = await succeed(1)
    return value


@inlineCallbacks
def refused() -> Generator[Deferred[Any], Any, int]:
    def finish(value):
        returnValue(value)

    value = yield succeed(2)
    finish(value)
