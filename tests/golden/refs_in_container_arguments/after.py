"""Functions handed over inside a list or tuple that is itself a call's argument
(`run_chain([double, add_one], 1)`, `run_chain(callbacks=(add_one,), ...)`): the callee
calls them out of sight (here as Deferred callbacks, which wait on a Deferred they return but
not on a coroutine), so they keep returning Deferreds, as a function in a list anywhere else
does."""
from twisted.internet import defer, task


def double(value):
    return defer.succeed(value * 2)


def same(value):
    return defer.succeed(value)


async def later(clock, value):
    return await task.deferLater(clock, 1, lambda: value)


def add_one(value):
    return defer.ensureDeferred(_add_one(value))


async def _add_one(value):
    await defer.succeed(None)
    return value + 1


def run_chain(callbacks, value):
    d = defer.succeed(value)
    for callback in callbacks:
        d.addCallback(callback)
    return d


def scenario(clock, log):
    d = run_chain([double, same, add_one, (lambda v: defer.ensureDeferred(later(clock, v)))], 1)
    d.addCallback(lambda v: log.append(("first", v)) or v)
    d.addCallback(lambda v: run_chain(callbacks=(add_one, same), value=v))
    d.addCallback(lambda v: log.append(("second", v)))
    return d
