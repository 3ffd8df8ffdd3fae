"""
An in-memory key/value "database" with an asynchronous interface.

Every operation answers through a Deferred that fires on a later reactor
turn, the way a real network-backed store would.  Pass a L{task.Clock} as
C{clock} in tests to control exactly when results arrive.
"""

import copy
from typing import Any, Generator

from twisted.internet import defer, task
from twisted.internet.defer import Deferred


class NotFound(KeyError):
    """
    Raised (through the Deferred) when a key is not in the store.
    """


class Store(object):
    """
    A dict behind Deferreds.

    Values are deep-copied on the way in and on the way out so callers can
    mutate what they get back without changing the stored data.
    """

    def __init__(self, clock=None, latency=0):
        if clock is None:
            from twisted.internet import reactor as clock
        self._clock = clock
        self._latency = latency
        self._data = {}
        # Simple instrumentation, handy in tests.
        self.reads = 0
        self.writes = 0

    def _deliver(self, value):
        """
        Return a Deferred that fires with C{value} after C{self._latency}.
        """
        d = defer.Deferred()
        self._clock.callLater(self._latency, d.callback, value)
        return d

    @defer.inlineCallbacks
    def get(self, key):
        self.reads += 1
        yield self._deliver(None)
        if key not in self._data:
            raise NotFound(key)
        defer.returnValue(copy.deepcopy(self._data[key]))

    @defer.inlineCallbacks
    def get_default(self, key, default=None):
        try:
            value = yield self.get(key)
            defer.returnValue(value)
        except NotFound:
            defer.returnValue(default)

    @defer.inlineCallbacks
    def put(self, key, value):
        """
        Store C{value} under C{key}.  Fires with True if the key is new.
        """
        value = copy.deepcopy(value)
        yield self._deliver(None)
        self.writes += 1
        created = key not in self._data
        self._data[key] = value
        defer.returnValue(created)

    @defer.inlineCallbacks
    def delete(self, key):
        """
        Remove C{key}.  Fires with the old value, or fails with L{NotFound}.
        """
        yield self._deliver(None)
        try:
            old = self._data.pop(key)
        except KeyError:
            raise NotFound(key)
        self.writes += 1
        defer.returnValue(old)

    @defer.inlineCallbacks
    def list_keys(self, prefix=""):
        # deferLater instead of _deliver: same effect, different spelling.
        keys = yield task.deferLater(
            self._clock,
            self._latency,
            lambda: sorted(k for k in self._data if k.startswith(prefix)),
        )
        defer.returnValue(keys)

    @defer.inlineCallbacks
    def get_many(self, keys):
        """
        Fetch several keys concurrently.  Fires with a dict; fails with
        L{NotFound} if any key is missing.
        """
        keys = list(keys)
        try:
            values = yield defer.gatherResults(
                [self.get(key) for key in keys], consumeErrors=True
            )
        except defer.FirstError as e:
            # Unwrap so callers see the NotFound, not gatherResults' wrapper.
            e.subFailure.raiseException()
        defer.returnValue(dict(zip(keys, values)))

    @defer.inlineCallbacks
    def increment(self, key, amount: int = 1) -> Generator[Deferred[Any], Any, int]:
        """
        Add C{amount} to the integer at C{key} (missing keys count as 0).
        """
        current = yield self.get_default(key, 0)
        new = current + amount
        yield self.put(key, new)
        return new
