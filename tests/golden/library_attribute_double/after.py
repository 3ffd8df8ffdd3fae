# An attribute annotated with a library type (`Optional[DeferredQueue]`) is no proof of
# what it holds: a test stores a `Mock()` there (fedora-messaging's `self._channel:
# Optional[TwistedChannel]`, whose tests put a Mock channel in it), and `yield
# self._queue.get()` handed back the Mock's answer, where `await` raises TypeError. Unless
# every store into the attribute is `None` or that type, the call keeps
# `maybeDeferred`.
from typing import Optional
from unittest import mock

from twisted.internet import defer
from twisted.internet.defer import DeferredQueue


class Consumer:
    def __init__(self):
        self._queue: Optional[DeferredQueue] = None

    def attach(self, queue):
        self._queue = queue

    async def next_item(self, log):
        item = await defer.maybeDeferred(self._queue.get)
        log.append(item)
        return item


def scenario_real(clock, log):
    consumer = Consumer()
    queue = DeferredQueue()
    queue.put("real")
    consumer.attach(queue)
    return defer.ensureDeferred(consumer.next_item(log))


def scenario_mock(clock, log):
    consumer = Consumer()
    consumer._queue = mock.Mock(**{"get.return_value": "from the mock"})
    return defer.ensureDeferred(consumer.next_item(log))
