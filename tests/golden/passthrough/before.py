"""Pass-throughs (TXA005): undecorated functions handing out a new Deferred become async."""
from twisted.internet import defer, task


class Missing(Exception):
    pass


@defer.inlineCallbacks
def load(clock, log, key):
    log.append(("load", key))
    yield task.deferLater(clock, 1, lambda: None)
    if key == "bad":
        raise Missing(key)
    return key.upper()


def load_default(clock, log, key):
    return load(clock, log, key or "x")


def cached(clock, log, key):
    if key == "hit":
        return defer.succeed("HIT")
    if key == "none":
        return defer.fail(Missing(key))
    return load_default(clock, log, key)


def scenario(clock, log):
    d = cached(clock, log, "hit")
    d.addCallback(lambda v: log.append(("hit", v)))
    ds = [cached(clock, log, None), cached(clock, log, "a"), d]
    return defer.gatherResults(ds)


def scenario_failures(clock, log):
    d1 = cached(clock, log, "none")
    d1.addErrback(lambda f: log.append(("none", f.type.__name__)))
    d2 = load_default(clock, log, "bad")
    d2.addErrback(lambda f: log.append(("bad", f.type.__name__)))
    return defer.gatherResults([d1, d2])


CACHE = {"k": "V"}


def lookup(key):
    """Refused: `CACHE[key]` raises KeyError at the call today; as a coroutine, the caller
    below would get a failed Deferred instead."""
    return defer.succeed(CACHE[key])


def use_lookup(log):
    try:
        lookup("nope").addCallback(log.append)
    except KeyError:
        log.append("raised at the call")


def scenario_sync_raise(clock, log):
    use_lookup(log)
    d = lookup("k")
    return d
