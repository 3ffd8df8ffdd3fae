"""A lambda sees the names of the function it is written in: a nested function called from a
lambda callback is called there (its coroutine, handed back to the chain unwrapped, would
never run), and a lambda's own parameter names nothing of the module."""
from twisted.internet import defer, task


async def load(clock, log, key):
    log.append(("load", key))
    await task.deferLater(clock, 1, lambda: None)
    return key.upper()


def outer(clock, log):
    async def step(name):
        log.append(("step", name))
        await task.deferLater(clock, 1, lambda: None)
        return name + "!"

    d = defer.succeed(None)
    d.addCallback(lambda ign: defer.ensureDeferred(step("a")))
    d.addCallback(lambda a: defer.ensureDeferred(step(a + "b")))
    return d


def shadowed(clock, log):
    """`load` in the lambda is its parameter, a plain function here: never wrapped."""
    d = defer.succeed(lambda: "plain")
    d.addCallback(lambda load: load())
    d.addCallback(lambda v: defer.ensureDeferred(load(clock, log, v)))
    return d


def scenario(clock, log):
    return defer.gatherResults([outer(clock, log), shadowed(clock, log)])
