from twisted.application import service
from twisted.internet import task
from twisted.trial import unittest

from legacy_app import handlers, storage
from legacy_app.service import STATS_KEY, StatsService, make_application


class StatsServiceTests(unittest.TestCase):
    """
    Everything runs on one fake clock, so clock.advance() drives the store,
    the LoopingCall and the warm-up callLater deterministically.
    """

    def setUp(self):
        self.clock = task.Clock()
        self.store = storage.Store(clock=self.clock)
        self.handler = handlers.AccountHandler(self.store)
        self.settle(self.handler.create_account("alice", 100))
        self.settle(self.handler.create_account("bob", 50))
        self.svc = StatsService(
            self.handler, interval=60, warmup_delay=5, clock=self.clock
        )

    def settle(self, d):
        self.clock.advance(0)
        return self.successResultOf(d)

    def test_first_tick_runs_at_start(self):
        self.svc.startService()
        self.assertEqual(self.svc.snapshots, [])
        self.clock.advance(0)
        self.assertEqual(self.svc.snapshots, [(0, 150)])

    def test_ticks_every_interval(self):
        self.svc.startService()
        self.clock.advance(0)
        self.settle(self.handler.deposit("bob", 25))
        self.clock.advance(60)
        self.assertEqual(self.svc.snapshots, [(0, 150), (60, 175)])

    def test_warm_cache_after_delay(self):
        self.svc.startService()
        self.clock.advance(4)
        self.assertIsNone(self.svc.warmed)
        self.clock.advance(1)
        self.assertEqual(self.svc.warmed, ["alice", "bob"])
        # Cached now: resolves without the clock moving.
        self.assertEqual(self.successResultOf(self.handler.get_balance("bob")), 50)

    def test_stop_persists_last_total(self):
        self.svc.startService()
        self.clock.advance(0)
        self.settle(self.svc.stopService())
        self.assertFalse(self.svc.running)
        self.assertEqual(self.store._data[STATS_KEY], 150)

    def test_stop_cancels_warmup(self):
        self.svc.startService()
        self.clock.advance(0)
        self.settle(self.svc.stopService())
        self.clock.advance(10)
        self.assertIsNone(self.svc.warmed)
        self.assertEqual(len(self.svc.snapshots), 1)

    def test_stop_waits_for_inflight_tick(self):
        self.svc.startService()
        # The first tick is still waiting on the store.
        d = self.svc.stopService()
        self.assertNoResult(d)
        self.clock.advance(0)
        self.successResultOf(d)
        self.assertEqual(self.svc.snapshots, [(0, 150)])


class ApplicationTests(unittest.TestCase):
    def test_make_application(self):
        app = make_application(storage.Store(clock=task.Clock()), port=0)
        names = [s.name for s in service.IServiceCollection(app)]
        self.assertIn("stats", names)
