"""Pass-throughs (TXA005) left as they are, each for a reason its callers would notice."""
import inspect

from twisted.internet import defer, task


@defer.inlineCallbacks
def load(clock, log, key):
    log.append(("load", key))
    yield task.deferLater(clock, 1, lambda: None)
    return key.upper()


TABLE = {"a": "alpha"}


def lookup(clock, log, key):
    """Refused: `TABLE[key]` raises KeyError at the call today, and the caller below checks
    for a coroutine and starts it in a Deferred: the KeyError would become a failed
    Deferred."""
    return load(clock, log, TABLE[key])


def dispatch(clock, log, key):
    r = lookup(clock, log, key)
    if inspect.iscoroutine(r):
        r = defer.ensureDeferred(r)
    return r


def scenario(clock, log):
    ds = [dispatch(clock, log, "a")]
    try:
        ds.append(dispatch(clock, log, "b"))
    except KeyError:
        log.append("raised at the call")
    d = defer.gatherResults(ds)
    return d
