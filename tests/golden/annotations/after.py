import typing
from typing import Any

from twisted.internet.defer import Deferred, succeed


async def count(x: Any) -> int:
    n = await succeed(x)
    return n


async def label() -> "str":
    text = await succeed("label")
    return text


async def flag() -> bool:
    value = await succeed(True)
    return value


def pending() -> Deferred[int]:
    return Deferred()
