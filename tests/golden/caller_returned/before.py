"""Returned from a plain function, from a lambda, from a nested function: all wrapped."""
from twisted.internet import defer, task


@defer.inlineCallbacks
def slow(clock, log, tag):
    log.append(("slow", tag))
    yield task.deferLater(clock, 1, lambda: None)
    defer.returnValue(tag)


def start(clock, log):
    return slow(clock, log, "plain")


make = lambda clock, log: slow(clock, log, "lambda")  # noqa: E731


def factory(clock, log):
    def inner():
        return slow(clock, log, "nested")

    return inner


def scenario(clock, log):
    ds = [start(clock, log), make(clock, log), factory(clock, log)()]
    return defer.gatherResults(ds)
