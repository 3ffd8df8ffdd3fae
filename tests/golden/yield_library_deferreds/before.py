"""Library calls whose source says they return a Deferred become a plain `await`: a return
annotation (`DeferredLock.acquire`), the overloads of `DeferredSemaphore.run`, and a method
a class inherits from a library base whose body returns only Deferreds
(`MultiService.stopService` returns a DeferredList). Receivers are typed from `__init__`."""
from twisted.application import service
from twisted.internet import defer, task
from twisted.internet.defer import DeferredLock, DeferredSemaphore


class Jobs(service.MultiService):
    def __init__(self):
        super().__init__()
        self.lock = DeferredLock()
        self.limit = DeferredSemaphore(2)

    @defer.inlineCallbacks
    def run_one(self, clock, log, name):
        yield self.lock.acquire()
        try:
            log.append(("locked", name))
            value = yield self.limit.run(task.deferLater, clock, 1, lambda: name.upper())
            log.append(("ran", value))
        finally:
            self.lock.release()
        yield self.stopService()
        return value


def scenario(clock, log):
    jobs = Jobs()
    d = jobs.run_one(clock, log, "a")
    clock.advance(1)
    return d
