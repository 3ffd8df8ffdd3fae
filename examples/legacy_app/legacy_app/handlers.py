"""
Business logic: accounts, deposits and transfers on top of L{storage.Store}.
"""

from twisted.internet import defer

from legacy_app import storage

LIMIT_KEY = "config:transfer_limit"
DEFAULT_LIMIT = 1000


class AccountExists(Exception):
    pass


class InsufficientFunds(Exception):
    def __init__(self, name, balance, amount):
        Exception.__init__(self, name, balance, amount)
        self.name = name
        self.balance = balance
        self.amount = amount


class LimitExceeded(Exception):
    pass


def account_key(name):
    return "account:" + name


class AccountHandler(object):
    """
    @ivar audit_log: every audited event, in order, as dicts.
    @ivar limits: per-account transfer limits overriding the stored default.
    """

    def __init__(self, store: storage.Store, limits=None):
        self.store = store
        self.limits = dict(limits or {})
        self.audit_log = []
        self._cache = {}

    # -- helpers ---------------------------------------------------------

    def _cached(self, name):
        """
        Return the account dict straight from the cache when we have it,
        otherwise a Deferred that loads (and caches) it.
        """
        if name in self._cache:
            return self._cache[name]
        d = self.store.get(account_key(name))
        d.addCallback(self._remember, name)
        return d

    def _remember(self, account, name):
        self._cache[name] = account
        return account

    def _forget(self, *names):
        for name in names:
            self._cache.pop(name, None)

    @defer.inlineCallbacks
    def audit(self, event, **details):
        entry = dict(details, event=event)
        self.audit_log.append(entry)
        # Persisting is best-effort; nobody waits for it.
        yield self.store.put("audit:%06d" % len(self.audit_log), entry)

    # -- accounts --------------------------------------------------------

    @defer.inlineCallbacks
    def create_account(self, name, balance=0):
        if balance < 0:
            raise ValueError("opening balance must not be negative")
        existing = yield self.store.get_default(account_key(name))
        if existing is not None:
            raise AccountExists(name)
        yield self.store.put(account_key(name), {"name": name, "balance": balance})
        self.audit("open", name=name, balance=balance)
        defer.returnValue({"name": name, "balance": balance})

    @defer.inlineCallbacks
    def get_balance(self, name):
        account = yield self._cached(name)
        defer.returnValue(account["balance"])

    @defer.inlineCallbacks
    def get_balance_or(self, name, default):
        try:
            account = yield self.store.get(account_key(name))
            defer.returnValue(account["balance"])
        except storage.NotFound:
            defer.returnValue(default)

    @defer.inlineCallbacks
    def list_accounts(self):
        keys = yield self.store.list_keys("account:")
        defer.returnValue([key[len("account:"):] for key in keys])

    def describe(self, name):
        """
        Human-readable one-liner, e.g. C{"alice: 40"}.
        """
        d = self.get_balance(name)
        d.addCallback(lambda balance: "%s: %d" % (name, balance))
        return d

    @defer.inlineCallbacks
    def deposit(self, name, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        account = yield self.store.get(account_key(name))
        account["balance"] += amount
        yield self.store.put(account_key(name), account)
        self._forget(name)
        self.audit("deposit", name=name, amount=amount)
        defer.returnValue(account["balance"])

    @defer.inlineCallbacks
    def close_account(self, name):
        account = yield self.store.delete(account_key(name))
        self._forget(name)
        self.audit("close", name=name)
        defer.returnValue(account["balance"])

    @defer.inlineCallbacks
    def total_balance(self):
        names = yield self.list_accounts()
        accounts = yield self.store.get_many([account_key(n) for n in names])
        defer.returnValue(sum(a["balance"] for a in accounts.values()))

    # -- transfers -------------------------------------------------------

    @defer.inlineCallbacks
    def transfer(self, src, dst, amount):
        """
        Move C{amount} from C{src} to C{dst}.  Fires with the new balance
        of C{src}.
        """
        if amount <= 0:
            raise ValueError("amount must be positive")
        if src == dst:
            raise ValueError("cannot transfer to the same account")

        # Start both reads before waiting on either.
        d1 = self.store.get(account_key(src))
        d2 = self.store.get(account_key(dst))
        source = yield d1
        target = yield d2

        limit = yield self.limits.get(src) or self.store.get_default(
            LIMIT_KEY, DEFAULT_LIMIT
        )
        if amount > limit:
            raise LimitExceeded(src, amount, limit)
        if source["balance"] < amount:
            raise InsufficientFunds(src, source["balance"], amount)

        source["balance"] -= amount
        target["balance"] += amount
        yield defer.gatherResults(
            [
                self.store.put(account_key(src), source),
                self.store.put(account_key(dst), target),
            ],
            consumeErrors=True,
        )
        self._forget(src, dst)
        self.audit("transfer", src=src, dst=dst, amount=amount)
        defer.returnValue(source["balance"])

    @defer.inlineCallbacks
    def set_default_limit(self, limit):
        yield self.store.put(LIMIT_KEY, limit)
        defer.returnValue(limit)
