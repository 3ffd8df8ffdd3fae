# A fake that "succeeds" with a Failure: `yield` raised it, `await` on Twisted 24.11+ fails an
# assertion inside Twisted. TXA014 respells it `fail(...)`, which both styles raise.
from twisted.internet import defer
from twisted.internet.defer import fail, succeed
from twisted.python import failure
from twisted.python.failure import Failure


class FakeStore:
    def get(self, key):
        if key == "missing":
            return defer.fail(Failure(KeyError(key)))
        if key == "gone":
            return fail(failure.Failure(LookupError(key)))
        return defer.succeed(key.upper())


async def lookup(store: FakeStore, key, log):
    try:
        value = await store.get(key)
    except LookupError as e:
        log.append(("error", type(e).__name__))
        return None
    log.append(("value", value))
    return value


def scenario(clock, log):
    store = FakeStore()
    d = defer.ensureDeferred(lookup(store, "a", log))
    d.addCallback(lambda _: defer.ensureDeferred(lookup(store, "missing", log)))
    d.addCallback(lambda _: defer.ensureDeferred(lookup(store, "gone", log)))
    return d


assert fail
