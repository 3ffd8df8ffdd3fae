"""Two calls stored and yielded later run side by side: the stored calls must stay Deferreds."""
from twisted.internet import defer, task


async def job(clock, log, name, delay):
    log.append(("start", name))
    await task.deferLater(clock, delay, lambda: None)
    log.append(("end", name))
    return name.upper()


async def run_both(clock, log):
    d1 = defer.ensureDeferred(job(clock, log, "a", 2))
    d2 = defer.ensureDeferred(job(clock, log, "b", 1))
    log.append("both started")
    r1 = await d1
    r2 = await d2
    r3 = await job(clock, log, "c", 1)
    return [r1, r2, r3]


def scenario(clock, log):
    return defer.ensureDeferred(run_both(clock, log))
