"""Where the receiver may be something other than the library's `LoopingCall`, the yield
stays `await defer.maybeDeferred(...)`: `loop` may also be an `Engine` (bound in the other
branch), whose `start` returns a plain value; and `looper` is a parameter, annotated as a
`LoopingCall`, where a caller may pass an `Engine` (a duck-typed stand-in). (A library
class the tests replace, `patch("twisted.internet.task.LoopingCall")`, refuses the proof
too: tests/test_store_owner.py.)"""
from twisted.internet import defer, task


class Engine:
    def start(self, interval, now=True):
        return "started"


async def run(clock, log, real):
    if real:
        loop = task.LoopingCall(lambda: None)
        loop.clock = clock
    else:
        loop = Engine()
    result = await defer.maybeDeferred(loop.start, 1.0)
    log.append(result)
    return result


async def run_given(log, looper: task.LoopingCall):
    result = await defer.maybeDeferred(looper.start, 1.0)
    log.append(result)
    return result


def scenario(clock, log):
    d = defer.ensureDeferred(run(clock, log, False))
    d.addCallback(lambda _: defer.ensureDeferred(run_given(log, Engine())))
    return d
