"""Where `self.done = None` may land on a `Job`, `yield self.done` stays
`await defer.maybeDeferred(...)`: `Closing` is mixed into `ClosingJob`, a `Job`, so its
`self.done = None` runs on one (and `yield self.done` then hands back None, which a plain
`await` would refuse); `Sweeper` stores through a receiver that is not `self`; and
`Poller` binds the attribute on `self` in a method that rebinds `self` first."""
from twisted.internet import defer


class Job:
    def __init__(self):
        self.done = defer.Deferred()

    async def wait(self, log):
        value = await defer.maybeDeferred(lambda: self.done)
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

    async def wait(self, log):
        value = await defer.maybeDeferred(lambda: self.pending)
        log.append(value)
        return value


class Sweeper:
    def sweep(self, thing):
        thing.pending = None


class Third:
    def __init__(self):
        self.ready = defer.succeed("ready")

    async def wait(self, log):
        value = await defer.maybeDeferred(lambda: self.ready)
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
    d = defer.ensureDeferred(job.wait(log))
    d.addCallback(lambda _: defer.ensureDeferred(other.wait(log)))
    d.addCallback(lambda _: defer.ensureDeferred(third.wait(log)))
    return d
