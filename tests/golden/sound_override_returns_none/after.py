# Every override counts: `self.close()` in Base may run Impl.close, which returns None, so
# the yield is not a plain `await` (TypeError on None) but `await defer.maybeDeferred(...)`.
from twisted.internet import defer


class Base:
    def close(self):
        return defer.succeed("closed")

    async def stop(self, log):
        r = await defer.maybeDeferred(self.close)
        log.append(r)


class Impl(Base):
    def close(self):
        pass


class Holder:
    def __init__(self, target: Base):
        self.target = target

    async def stop_target(self, log):
        r = await defer.maybeDeferred(self.target.close)
        log.append(("held", r))


def scenario(clock, log):
    d = defer.ensureDeferred(Impl().stop(log))
    d.addCallback(lambda _: defer.ensureDeferred(Base().stop(log)))
    d.addCallback(lambda _: defer.ensureDeferred(Holder(Impl()).stop_target(log)))
    return d
