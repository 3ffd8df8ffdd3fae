from typing import TYPE_CHECKING

from twisted.internet.defer import inlineCallbacks

if TYPE_CHECKING:
    from twisted.internet import defer


@inlineCallbacks
def job(log):
    yield None
    log.append("job")
    return 1


def start(log) -> "defer.Deferred[int]":
    return job(log)


def scenario(clock, log):
    return start(log)
