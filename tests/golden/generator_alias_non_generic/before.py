from typing import Any, Generator, TypeAlias

from twisted.internet import defer

Done: TypeAlias = Generator[Any, Any, None]


@defer.inlineCallbacks
def stop(service) -> Done:
    yield service.stopService()
