from twisted.internet import defer, task


class Worker:
    def __init__(self, name, log):
        self.name = name
        self.log = log

    async def tick(self):
        self.log.append(("tick", self.name))


def scenario(clock, log):
    # each callLater must call its own worker, not the loop variable's last value
    for name in "ab":
        w = Worker(name, log)
        clock.callLater(1, lambda *a, _bound=w.tick, **kw: defer.ensureDeferred(_bound(*a, **kw)))
    return task.deferLater(clock, 2, lambda: None)
