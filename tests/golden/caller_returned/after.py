"""Returned from a plain function, from a lambda, from a nested function: all wrapped."""
from twisted.internet import defer, task


async def slow(clock, log, tag):
    log.append(("slow", tag))
    await task.deferLater(clock, 1, lambda: None)
    return tag


def start(clock, log):
    return defer.ensureDeferred(slow(clock, log, "plain"))


make = lambda clock, log: defer.ensureDeferred(slow(clock, log, "lambda"))  # noqa: E731


def factory(clock, log):
    def inner():
        return defer.ensureDeferred(slow(clock, log, "nested"))

    return inner


def scenario(clock, log):
    ds = [start(clock, log), make(clock, log), factory(clock, log)()]
    return defer.gatherResults(ds)
