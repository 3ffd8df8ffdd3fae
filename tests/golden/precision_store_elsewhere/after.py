"""`self.done` in `Job` is only ever bound to a Deferred on a `Job`: the other store of
an attribute named `done` is `self.done = None` in a method of `Report`, a class that is
neither in `Job`'s line nor mixed into any class of it, so it never lands on a `Job`.
The yield still stays as written: a Deferred kept in an attribute may be shared
(yield-shared-deferred)."""
from twisted.internet import defer


class Job:
    def __init__(self):
        self.done = defer.Deferred()

    def finish(self, value):
        self.done.callback(value)

    @defer.inlineCallbacks
    def wait(self, log):
        value = yield self.done
        log.append(value)
        return value


class Report:
    def __init__(self):
        self.done = None

    def close(self):
        self.done = None


def scenario(clock, log):
    report = Report()
    report.close()
    job = Job()
    d = job.wait(log)
    clock.callLater(1, job.finish, "finished")
    clock.advance(1)
    return d
