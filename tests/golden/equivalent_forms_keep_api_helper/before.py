# Equivalent forms only: a call yielded inside a function that keeps its Deferred API is
# awaited in the async helper, never `await defer.ensureDeferred(...)`; and a coroutine passed
# through to a function that takes it (`to_d(native())`) is left as it is, on every pass.
from twisted.internet import defer


async def native():
    return 1


def to_d(c):
    return defer.ensureDeferred(c)


@defer.inlineCallbacks
def f():
    r = yield to_d(native())
    return r


class Svc:
    @defer.inlineCallbacks
    def x(self):
        yield defer.succeed(None)
        return 2

    @defer.inlineCallbacks
    def keep(self):
        r = yield self.x()
        s = yield defer.maybeDeferred(to_d, native())
        return r + s


def use(obj):
    pending = {0: obj.keep()}
    return pending[0]


def scenario(clock, log):
    d = f()
    d.addCallback(log.append)
    d.addCallback(lambda _: use(Svc()))
    d.addCallback(log.append)
    return d
