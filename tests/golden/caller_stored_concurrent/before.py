"""Two calls stored and yielded later run side by side: the stored calls must stay Deferreds."""
from twisted.internet import defer, task


@defer.inlineCallbacks
def job(clock, log, name, delay):
    log.append(("start", name))
    yield task.deferLater(clock, delay, lambda: None)
    log.append(("end", name))
    defer.returnValue(name.upper())


@defer.inlineCallbacks
def run_both(clock, log):
    d1 = job(clock, log, "a", 2)
    d2 = job(clock, log, "b", 1)
    log.append("both started")
    r1 = yield d1
    r2 = yield d2
    r3 = yield job(clock, log, "c", 1)
    defer.returnValue([r1, r2, r3])


def scenario(clock, log):
    return run_both(clock, log)
