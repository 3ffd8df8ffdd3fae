"""`loop` is bound only by calling the library's `LoopingCall`, so it is exactly a
`LoopingCall` and `loop.start(...)` runs the library's own `start`, annotated
`-> Deferred[LoopingCall]`: `yield loop.start(...)` becomes `await loop.start(...)`. The
workspace's own `Engine.start`, which returns a plain value, cannot be what runs there
(on a receiver only known to be some `LoopingCall` it could: a subclass or a duck-typed
stand-in)."""
from twisted.internet import defer, task


class Engine:
    def start(self, interval, now=True):
        return "started"


async def count_down(clock, log, times):
    left = [times]

    def tick():
        log.append(("tick", left[0]))
        left[0] -= 1
        if not left[0]:
            loop.stop()

    loop = task.LoopingCall(tick)
    loop.clock = clock
    result = await loop.start(1.0)
    log.append(result is loop)
    return Engine().start(1.0)


def scenario(clock, log):
    d = defer.ensureDeferred(count_down(clock, log, 3))
    clock.advance(1)
    clock.advance(1)
    return d
