# `Base.stop(self)` looks `stop` up on the class object `Base`: it runs `Base.stop` and
# nothing else, whatever `self` is, so it is no caller of an override in a subclass.
# `Worker.stop` converts and `Plain.stop`'s call stays as it is (it used to count among the
# callers of every `stop` of the hierarchy, and got an `inspect.iscoroutine` guard).
# `scenario` calls `worker.stop()` on a `Worker` and chains on it: a real caller, wrapped.
from twisted.internet import defer


class Base:
    def stop(self):
        self.stopped = True


class Plain(Base):
    def stop(self):
        Base.stop(self)
        return "plain"


class Worker(Base):
    async def stop(self):
        await defer.succeed(None)
        Base.stop(self)
        return "worker"


def scenario(clock, log):
    plain = Plain()
    log.append((plain.stop(), plain.stopped))
    worker = Worker()
    d = defer.ensureDeferred(worker.stop())
    d.addCallback(lambda result: log.append((result, worker.stopped)))
    return d
