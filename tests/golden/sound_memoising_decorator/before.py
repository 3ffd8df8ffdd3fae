# A callee's decorators decide what it returns: a cache hit returns the plain value, so the
# yields are `await defer.maybeDeferred(...)`; a decorator whose wrapper only returns the
# wrapped call keeps the body's verdict (a plain `await`).
import functools

from twisted.internet import defer


def memoized(f):
    cache = {}

    @functools.wraps(f)
    def wrapper(self, key):
        if key in cache:
            return cache[key]
        d = f(self, key)
        d.addCallback(lambda v: cache.setdefault(key, v))
        return d
    return wrapper


def logged(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)
    return wrapper


class Table:
    @memoized
    def get_row(self, key):
        return defer.succeed(key + 1)

    @logged
    def get_col(self, key):
        return defer.succeed(key + 10)

    @defer.inlineCallbacks
    def total(self, log):
        a = yield self.get_row(1)
        b = yield self.get_row(1)
        c = yield self.get_col(1)
        log.append(a + b + c)


def scenario(clock, log):
    return Table().total(log)
