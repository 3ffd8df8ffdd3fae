from typing import TYPE_CHECKING

from twisted.internet import defer

if TYPE_CHECKING:
    from twisted.internet import defer


async def job(log):
    log.append("job")
    return 1


def start(log) -> "defer.Deferred[int]":
    return defer.ensureDeferred(job(log))


def scenario(clock, log):
    return start(log)
