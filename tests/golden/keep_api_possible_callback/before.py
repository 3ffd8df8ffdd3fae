from twisted.internet import defer, task


class Worker:
    def __init__(self, name, log):
        self.name = name
        self.log = log

    @defer.inlineCallbacks
    def tick(self):
        yield None
        self.log.append(("tick", self.name))


def scenario(clock, log):
    # `worker`'s type is unknown here: `tick` keeps returning a Deferred
    workers = [Worker(n, log) for n in "cd"]
    for worker in workers:
        clock.callLater(1, worker.tick)
    return task.deferLater(clock, 2, lambda: None)
