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


@defer.inlineCallbacks
def use(store: Store, log):
    a = yield store.fetch()
    b = yield store.count()
    log.append((a, b))


@defer.inlineCallbacks
def fake_fetch():
    yield defer.succeed(None)
    return 5


def scenario(clock, log):
    d = use(Store(), log)

    def doubled(_):
        store = Store()
        store.fetch = fake_fetch
        store.count = lambda: 0
        return use(store, log)

    def failing(_):
        store = Store()
        store.fetch = lambda: defer.fail(ValueError("down"))
        done = use(store, log)
        return done.addErrback(lambda f: log.append(str(f.value)))

    d.addCallback(doubled)
    d.addCallback(failing)
    return d
