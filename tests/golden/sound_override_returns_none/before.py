# Every override counts: `self.close()` in Base may run Impl.close, which returns None, so
# the yield is not a plain `await` (TypeError on None) but `await defer.maybeDeferred(...)`.
from twisted.internet import defer


class Base:
    def close(self):
        return defer.succeed("closed")

    @defer.inlineCallbacks
    def stop(self, log):
        r = yield self.close()
        log.append(r)


class Impl(Base):
    def close(self):
        pass


class Holder:
    def __init__(self, target: Base):
        self.target = target

    @defer.inlineCallbacks
    def stop_target(self, log):
        r = yield self.target.close()
        log.append(("held", r))


def scenario(clock, log):
    d = Impl().stop(log)
    d.addCallback(lambda _: Base().stop(log))
    d.addCallback(lambda _: Holder(Impl()).stop_target(log))
    return d
