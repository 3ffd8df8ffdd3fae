"""A project decorator whose wrapper only ever returns a Deferred (`ensureDeferred(...)`,
`fail(...)`) makes every call of what it decorates a Deferred, whatever the body: the yield
is awaited. One that may return the body's plain value (`cached`) keeps maybeDeferred."""
import functools

from twisted.internet import defer


def to_deferred(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return defer.ensureDeferred(fn(*args, **kwargs))
        except Exception as e:
            return defer.fail(e)

    return wrapper


def cached(fn):
    seen = {}

    def wrapper(key):
        if key not in seen:
            seen[key] = fn(key)
        return seen[key]

    return wrapper


@to_deferred
async def fetch(key):
    return key.upper()


@cached
def lookup(key):
    return defer.succeed(key * 2)


async def both(log, key):
    value = await fetch(key)
    again = await defer.maybeDeferred(lookup, key)
    log.append((value, again))
    return value


def scenario(clock, log):
    return defer.ensureDeferred(both(log, "a"))
