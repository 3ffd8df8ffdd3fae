# Tests replace `Store.fetch` only with functions that return awaitables: an
# inlineCallbacks fake, and a lambda returning `defer.fail(...)`. A call that meets either
# double still gets an awaitable, so `yield store.fetch()` is a plain `await`. `Store.count`
# is also replaced by `lambda: 0`, a plain value: that yield keeps the conservative form.
from twisted.internet import defer


class Store:
    def fetch(self):
        return defer.succeed(1)

    def count(self):
        return defer.succeed(2)


async def use(store: Store, log):
    a = await store.fetch()
    b = await defer.maybeDeferred(store.count)
    log.append((a, b))


def fake_fetch():
    return defer.ensureDeferred(_fake_fetch())


async def _fake_fetch():
    await defer.succeed(None)
    return 5


def scenario(clock, log):
    d = defer.ensureDeferred(use(Store(), log))

    def doubled(_):
        store = Store()
        store.fetch = fake_fetch
        store.count = lambda: 0
        return defer.ensureDeferred(use(store, log))

    def failing(_):
        store = Store()
        store.fetch = lambda: defer.fail(ValueError("down"))
        done = defer.ensureDeferred(use(store, log))
        return done.addErrback(lambda f: log.append(str(f.value)))

    d.addCallback(doubled)
    d.addCallback(failing)
    return d
