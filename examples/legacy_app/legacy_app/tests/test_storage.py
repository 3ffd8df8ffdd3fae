from twisted.internet import defer, task
from twisted.trial import unittest

from legacy_app import storage


class StoreTests(unittest.TestCase):
    def setUp(self):
        self.store = storage.Store()

    @defer.inlineCallbacks
    def test_put_then_get(self):
        yield self.store.put("a", {"x": 1})
        value = yield self.store.get("a")
        self.assertEqual(value, {"x": 1})

    @defer.inlineCallbacks
    def test_put_reports_created(self):
        first = yield self.store.put("a", 1)
        second = yield self.store.put("a", 2)
        self.assertEqual((first, second), (True, False))

    def test_get_missing_fails(self):
        return self.assertFailure(self.store.get("nope"), KeyError)

    @defer.inlineCallbacks
    def test_values_are_copied(self):
        original = {"items": [1, 2]}
        yield self.store.put("a", original)
        original["items"].append(3)
        fetched = yield self.store.get("a")
        fetched["items"].append(4)
        again = yield self.store.get("a")
        self.assertEqual(again, {"items": [1, 2]})

    @defer.inlineCallbacks
    def test_get_default(self):
        value = yield self.store.get_default("missing", "fallback")
        self.assertEqual(value, "fallback")
        yield self.store.put("present", 0)
        value = yield self.store.get_default("present", "fallback")
        self.assertEqual(value, 0)

    @defer.inlineCallbacks
    def test_delete(self):
        yield self.store.put("a", "gone soon")
        old = yield self.store.delete("a")
        self.assertEqual(old, "gone soon")
        yield self.assertFailure(self.store.get("a"), storage.NotFound)

    def test_delete_missing(self):
        return self.assertFailure(self.store.delete("nope"), storage.NotFound)

    @defer.inlineCallbacks
    def test_list_keys_with_prefix(self):
        for key in ["user:b", "user:a", "other"]:
            yield self.store.put(key, None)
        keys = yield self.store.list_keys("user:")
        self.assertEqual(keys, ["user:a", "user:b"])
        everything = yield self.store.list_keys()
        self.assertEqual(len(everything), 3)

    @defer.inlineCallbacks
    def test_get_many(self):
        yield defer.gatherResults([self.store.put("a", 1), self.store.put("b", 2)])
        values = yield self.store.get_many(["a", "b"])
        self.assertEqual(values, {"a": 1, "b": 2})

    def test_get_many_missing(self):
        d = self.store.put("a", 1)
        d.addCallback(lambda _: self.store.get_many(["a", "missing"]))
        return self.assertFailure(d, KeyError)

    @defer.inlineCallbacks
    def test_increment(self):
        first = yield self.store.increment("counter")
        second = yield self.store.increment("counter", 5)
        self.assertEqual((first, second), (1, 6))


class ClockedStoreTests(unittest.TestCase):
    """
    Same store, driven by a fake clock so we can see when results arrive.
    """

    def setUp(self):
        self.clock = task.Clock()
        self.store = storage.Store(clock=self.clock)

    def test_results_wait_for_the_clock(self):
        d = self.store.put("k", "v")
        self.assertNoResult(d)
        self.clock.advance(0)
        self.assertTrue(self.successResultOf(d))

    def test_latency(self):
        store = storage.Store(clock=self.clock, latency=2)
        d = store.list_keys()
        self.clock.advance(1)
        self.assertNoResult(d)
        self.clock.advance(1)
        self.assertEqual(self.successResultOf(d), [])

    def test_reads_and_writes_are_counted(self):
        d = self.store.put("k", 1)
        d.addCallback(lambda _: self.store.get("k"))
        self.clock.advance(0)
        self.assertEqual(self.successResultOf(d), 1)
        self.assertEqual((self.store.reads, self.store.writes), (1, 1))
