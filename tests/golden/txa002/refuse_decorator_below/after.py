import functools

from twisted.internet import defer


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


@defer.inlineCallbacks
@logged
def fetch(d):
    value = yield d
    return value
