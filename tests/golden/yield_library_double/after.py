"""A library method that a test double may stand in for stays conservative: a duck-typed
fake of the same name (`FakeLock.acquire` returns a plain value), or a patch of the
library function itself, may be what runs."""
from unittest import mock

from twisted.internet import defer, utils
from twisted.internet.defer import DeferredLock


class FakeLock:
    def acquire(self):
        return "plain"


class Worker:
    def __init__(self, lock: DeferredLock):
        self.lock = lock

    async def run(self, log):
        got = await defer.maybeDeferred(self.lock.acquire)
        log.append(got is self.lock or got)
        out = await defer.maybeDeferred(utils.getProcessOutputAndValue, "true")
        return out


def test_with_patch():
    with mock.patch("twisted.internet.utils.getProcessOutputAndValue", return_value=("", 0)):
        pass


def scenario(clock, log):
    worker = Worker(FakeLock())
    with mock.patch.object(utils, "getProcessOutputAndValue", lambda exe: ("out", "", 0)):
        return defer.ensureDeferred(worker.run(log))
