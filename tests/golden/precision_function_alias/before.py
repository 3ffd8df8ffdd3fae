# `fetch = fetch_native` is the only binding of `fetch` in the module: calling `fetch()`
# runs `fetch_native`, which returns a Deferred on every path, so `yield fetch()` is a
# plain `await`. `lookup` is bound twice (to `lookup_deferred`, then to `lookup_plain` when
# `FAST` is set): which one runs is decided at import time, so that yield keeps the
# conservative form.
from twisted.internet import defer

FAST = True


def fetch_native(key):
    d = defer.succeed(key)
    d.addCallback(lambda k: k * 2)
    return d


def lookup_deferred(key):
    return defer.succeed(key + 1)


def lookup_plain(key):
    return key + 2


fetch = fetch_native
lookup = lookup_deferred
if FAST:
    lookup = lookup_plain


@defer.inlineCallbacks
def total(log):
    a = yield fetch(1)
    b = yield lookup(1)
    log.append((a, b))


def scenario(clock, log):
    return total(log)
