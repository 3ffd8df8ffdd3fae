"""Straight-line callback chains (TXA006) rewritten with await and try/except."""
from twisted.internet import defer, task
from twisted.python import log as twisted_log


class Missing(Exception):
    pass


class Other(Exception):
    pass


@defer.inlineCallbacks
def fetch(clock, log, key):
    log.append(("fetch", key))
    yield task.deferLater(clock, 1, lambda: None)
    if key == "missing":
        raise Missing(key)
    if key == "other":
        raise Other(key)
    return key


@defer.inlineCallbacks
def decorate(value, log):
    log.append(("decorate", value))
    yield defer.succeed(None)
    return f"<{value}>"


def later(clock, value):
    """A callback that returns a Deferred (txasync cannot tell: maybeDeferred)."""
    return task.deferLater(clock, 1, lambda: value * 2)


def shout(value):
    if value == "boom":
        raise Other(value)
    return value.upper()


def recover(failure, log):
    log.append(("recover", failure.type.__name__))
    return "recovered"


def only_missing(failure):
    failure.trap(Missing)
    return "no such key"


def passthrough_failure(failure):
    return failure


def callbacks_then_errback(clock, log, key):
    d = fetch(clock, log, key)
    d.addCallback(shout)
    d.addCallback(lambda v: v + "!")
    d.addErrback(recover, log)
    return d


def callbacks_pair(clock, log, key):
    return fetch(clock, log, key).addCallbacks(shout, lambda f: "errback ran")


def both(clock, log, key):
    d = fetch(clock, log, key)
    d.addBoth(lambda r: log.append(("both", str(r)[:20])))
    return d


def trapping(clock, log, key):
    d = fetch(clock, log, key)
    d.addErrback(lambda f: f.trap(Missing))
    return d


def trapping_function(clock, log, key):
    d = fetch(clock, log, key)
    d.addErrback(only_missing)
    d.addCallback(lambda v: (v, "after"))
    return d


def reraising(clock, log, key):
    d = fetch(clock, log, key)
    d.addErrback(passthrough_failure)
    d.addErrback(recover, log)
    return d


def deferred_callbacks(clock, log, key):
    d = fetch(clock, log, key)
    d.addCallback(decorate, log)
    return d


def waits_on_unknown(clock, log, key):
    d = fetch(clock, log, key)
    d = d.addCallback(lambda v: later(clock, v))
    return d


def logged(clock, log, key):
    d = fetch(clock, log, key)
    d.addErrback(twisted_log.err)
    return d


def settle(d):
    """Refused (the Deferred is a parameter): a failure as a value the driver can compare."""
    return d.addErrback(lambda f: ("failed", f.type.__name__, f.value.args))


def scenario(clock, log):
    ds = [settle(callbacks_then_errback(clock, log, k)) for k in ("a", "boom", "missing")]
    ds += [settle(callbacks_pair(clock, log, k)) for k in ("b", "boom", "missing")]
    return defer.gatherResults(ds)


def scenario_both(clock, log):
    ok = both(clock, log, "c")
    failed = both(clock, log, "missing")
    return defer.gatherResults([ok, settle(failed)])


def scenario_trap(clock, log):
    ds = [trapping(clock, log, "missing"), trapping_function(clock, log, "missing"),
          trapping_function(clock, log, "d")]
    other = trapping(clock, log, "other")
    other.addErrback(lambda f: ("trap let through", f.type.__name__))
    done = defer.gatherResults(ds + [other])
    log.append("waiting")
    return done.addCallback(lambda rs: [getattr(r, "__name__", r) for r in rs])


def scenario_reraise(clock, log):
    return defer.gatherResults([settle(reraising(clock, log, "missing")),
                                settle(reraising(clock, log, "e"))])


def scenario_deferred_callbacks(clock, log):
    return defer.gatherResults([deferred_callbacks(clock, log, "f"),
                                waits_on_unknown(clock, log, "g")])


def scenario_failure_out(clock, log):
    return callbacks_pair(clock, log, "other")


def scenario_logged(clock, log):
    return defer.gatherResults([logged(clock, log, "other"), logged(clock, log, "h")])
