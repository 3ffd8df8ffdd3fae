"""Every function here yields an attribute and stays as written (yield-shared-deferred).
Before that rule: where `self.done = None` may land on a `Job`, `yield self.done` stayed
`await defer.maybeDeferred(...)`: `Closing` is mixed into `ClosingJob`, a `Job`, so its
`self.done = None` runs on one (and `yield self.done` then hands back None, which a plain
`await` would refuse); `Sweeper` stores through a receiver that is not `self`; and
`Poller` binds the attribute on `self` in a method that rebinds `self` first."""
from twisted.internet import defer


class Job:
    def __init__(self):
        self.done = defer.Deferred()

    @defer.inlineCallbacks
    def wait(self, log):
        value = yield self.done
        log.append(value)
        return value


class Closing:
    def close(self):
        self.done = None


class ClosingJob(Job, Closing):
    pass


class Other:
    def __init__(self):
        self.pending = defer.Deferred()

    @defer.inlineCallbacks
    def wait(self, log):
        value = yield self.pending
        log.append(value)
        return value


class Sweeper:
    def sweep(self, thing):
        thing.pending = None


class Third:
    def __init__(self):
        self.ready = defer.succeed("ready")

    @defer.inlineCallbacks
    def wait(self, log):
        value = yield self.ready
        log.append(value)
        return value


class Poller:
    def poll(self, other):
        self = other
        self.ready = None


def scenario(clock, log):
    job = ClosingJob()
    job.close()
    other = Other()
    Sweeper().sweep(other)
    third = Third()
    Poller().poll(third)
    d = job.wait(log)
    d.addCallback(lambda _: other.wait(log))
    d.addCallback(lambda _: third.wait(log))
    return d
