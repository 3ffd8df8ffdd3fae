from typing import Any, Generator, TypeAlias

from twisted.internet import defer

Done: TypeAlias = Generator[Any, Any, None]


async def stop(service) -> None:
    await defer.maybeDeferred(service.stopService)
