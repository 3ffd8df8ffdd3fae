from twisted.internet import defer, task
from twisted.internet.defer import inlineCallbacks as ic
from twisted.trial import unittest

from legacy_app import handlers, storage


class AccountHandlerTests(unittest.TestCase):
    @ic
    def setUp(self):
        self.store = storage.Store()
        self.handler = handlers.AccountHandler(self.store)
        yield self.handler.create_account("alice", 100)
        yield self.handler.create_account("bob", 50)

    def test_create_duplicate(self):
        d = self.handler.create_account("alice")
        return self.assertFailure(d, handlers.AccountExists)

    def test_create_negative_balance(self):
        d = self.handler.create_account("carol", -1)
        return self.assertFailure(d, ValueError)

    @ic
    def test_get_balance(self):
        balance = yield self.handler.get_balance("alice")
        self.assertEqual(balance, 100)

    @ic
    def test_get_balance_is_cached(self):
        yield self.handler.get_balance("alice")
        reads = self.store.reads
        balance = yield self.handler.get_balance("alice")
        self.assertEqual(balance, 100)
        self.assertEqual(self.store.reads, reads)

    def test_get_balance_unknown(self):
        return self.assertFailure(self.handler.get_balance("zed"), storage.NotFound)

    @ic
    def test_get_balance_or(self):
        known = yield self.handler.get_balance_or("bob", -1)
        unknown = yield self.handler.get_balance_or("zed", -1)
        self.assertEqual((known, unknown), (50, -1))

    def test_describe(self):
        d = self.handler.describe("alice")
        d.addCallback(self.assertEqual, "alice: 100")
        return d

    @ic
    def test_list_accounts(self):
        names = yield self.handler.list_accounts()
        self.assertEqual(names, ["alice", "bob"])

    @ic
    def test_deposits_in_parallel(self):
        results = yield defer.DeferredList(
            [self.handler.deposit("alice", 1), self.handler.deposit("bob", 2)]
        )
        self.assertEqual(results, [(True, 101), (True, 52)])

    @ic
    def test_deposit_invalidates_cache(self):
        yield self.handler.get_balance("bob")
        yield self.handler.deposit("bob", 10)
        balance = yield self.handler.get_balance("bob")
        self.assertEqual(balance, 60)

    @ic
    def test_transfer_moves_money(self):
        remaining = yield self.handler.transfer("alice", "bob", 30)
        self.assertEqual(remaining, 70)
        bob = yield self.handler.get_balance("bob")
        self.assertEqual(bob, 80)

    @ic
    def test_transfer_records_audit(self):
        yield self.handler.transfer("alice", "bob", 1)
        self.assertEqual(
            self.handler.audit_log[-1],
            {"event": "transfer", "src": "alice", "dst": "bob", "amount": 1},
        )
        events = [entry["event"] for entry in self.handler.audit_log]
        self.assertEqual(events, ["open", "open", "transfer"])

    @ic
    def test_transfer_insufficient_funds(self):
        e = yield self.assertFailure(
            self.handler.transfer("bob", "alice", 51), handlers.InsufficientFunds
        )
        self.assertEqual((e.balance, e.amount), (50, 51))
        bob = yield self.handler.get_balance("bob")
        self.assertEqual(bob, 50)

    def test_transfer_unknown_account(self):
        d = self.handler.transfer("alice", "zed", 1)
        return self.assertFailure(d, storage.NotFound)

    def test_transfer_to_self(self):
        d = self.handler.transfer("alice", "alice", 1)
        return self.assertFailure(d, ValueError)

    @ic
    def test_transfer_default_limit(self):
        yield self.handler.set_default_limit(20)
        yield self.assertFailure(
            self.handler.transfer("alice", "bob", 21), handlers.LimitExceeded
        )
        remaining = yield self.handler.transfer("alice", "bob", 20)
        self.assertEqual(remaining, 80)

    @ic
    def test_transfer_per_account_limit(self):
        self.handler.limits["alice"] = 5
        yield self.assertFailure(
            self.handler.transfer("alice", "bob", 6), handlers.LimitExceeded
        )
        # bob has no override, so the (default) store limit applies.
        yield self.handler.transfer("bob", "alice", 40)

    @ic
    def test_close_account(self):
        balance = yield self.handler.close_account("bob")
        self.assertEqual(balance, 50)
        names = yield self.handler.list_accounts()
        self.assertEqual(names, ["alice"])
        self.assertEqual(self.handler.audit_log[-1], {"event": "close", "name": "bob"})

    @ic
    def test_total_balance(self):
        total = yield self.handler.total_balance()
        self.assertEqual(total, 150)


class CachedHandlerClockTests(unittest.TestCase):
    def test_cached_balance_is_synchronous(self):
        clock = task.Clock()
        handler = handlers.AccountHandler(storage.Store(clock=clock))
        d = handler.create_account("carol", 5)
        clock.advance(0)
        self.successResultOf(d)

        d = handler.get_balance("carol")
        self.assertNoResult(d)
        clock.advance(0)
        self.assertEqual(self.successResultOf(d), 5)

        # Second read comes from the cache: no clock advance needed.
        self.assertEqual(self.successResultOf(handler.get_balance("carol")), 5)
