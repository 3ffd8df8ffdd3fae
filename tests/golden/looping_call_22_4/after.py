"""LoopingCall awaits a coroutine function's result only from Twisted 22.8."""
from twisted.internet import defer, task


async def poll(clock, log, state):
    state["n"] += 1
    log.append(("poll", state["n"]))
    await task.deferLater(clock, 0.5, lambda: None)
    log.append(("polled", state["n"]))


def scenario(clock, log):
    state = {"n": 0}
    loop = task.LoopingCall(
        lambda *a, **kw: defer.ensureDeferred(poll(*a, **kw)), clock, log, state
    )
    loop.clock = clock
    d = loop.start(1.0)
    clock.callLater(3.2, loop.stop)
    return d.addCallback(lambda _: state["n"])
