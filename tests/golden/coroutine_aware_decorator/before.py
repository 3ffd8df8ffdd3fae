"""A project decorator listed in coroutine-aware-decorators stays, in its place."""
import functools

from twisted.internet import defer


def traced(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        args[0].append(("call", fn.__name__))
        return fn(*args, **kwargs)

    return wrapper


@traced
@defer.inlineCallbacks
def work(log, x):
    value = yield defer.succeed(x * 3)
    defer.returnValue(value)


def scenario(clock, log):
    return work(log, 2)
