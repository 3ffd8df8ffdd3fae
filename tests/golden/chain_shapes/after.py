"""Straight-line callback chains (TXA006) rewritten with await and try/except."""
from twisted.internet import defer, task
from twisted.python import log as twisted_log
from twisted.python.failure import Failure


class Missing(Exception):
    pass


class Other(Exception):
    pass


async def fetch(clock, log, key):
    log.append(("fetch", key))
    await task.deferLater(clock, 1, lambda: None)
    if key == "missing":
        raise Missing(key)
    if key == "other":
        raise Other(key)
    return key


async def decorate(value, log):
    log.append(("decorate", value))
    await defer.succeed(None)
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


async def callbacks_then_errback(clock, log, key):
    try:
        result = await fetch(clock, log, key)
        result = await defer.maybeDeferred(shout, result)
        result = result + "!"
    except Exception:
        result = recover(Failure(), log)
    return result


async def callbacks_pair(clock, log, key):
    try:
        result = await fetch(clock, log, key)
    except Exception:
        result = await defer.maybeDeferred(lambda f: "errback ran", Failure())
    else:
        result = await defer.maybeDeferred(shout, result)
    return result


async def both(clock, log, key):
    try:
        result = await fetch(clock, log, key)
    except Exception:
        result = await defer.maybeDeferred(lambda r: log.append(("both", str(r)[:20])), Failure())
    else:
        result = await defer.maybeDeferred(lambda r: log.append(("both", str(r)[:20])), result)
    return result


async def trapping(clock, log, key):
    try:
        result = await fetch(clock, log, key)
    except Missing:
        result = Missing
    return result


async def trapping_function(clock, log, key):
    try:
        result = await fetch(clock, log, key)
    except Exception:
        result = only_missing(Failure())
    result = (lambda v: (v, "after"))(result)
    return result


async def reraising(clock, log, key):
    try:
        try:
            result = await fetch(clock, log, key)
        except Exception:
            result = await defer.maybeDeferred(passthrough_failure, Failure())
    except Exception:
        result = recover(Failure(), log)
    return result


async def deferred_callbacks(clock, log, key):
    result = await fetch(clock, log, key)
    result = await decorate(result, log)
    return result


async def waits_on_unknown(clock, log, key):
    result = await fetch(clock, log, key)
    result = await defer.maybeDeferred(lambda v: later(clock, v), result)
    return result


async def logged(clock, log, key):
    try:
        result = await fetch(clock, log, key)
    except Exception:
        result = twisted_log.err(Failure())
    return result


def settle(d):
    """Refused (the Deferred is a parameter): a failure as a value the driver can compare."""
    return d.addErrback(lambda f: ("failed", f.type.__name__, f.value.args))


def scenario(clock, log):
    ds = [
        settle(defer.ensureDeferred(callbacks_then_errback(clock, log, k)))
        for k in ("a", "boom", "missing")
    ]
    ds += [
        settle(defer.ensureDeferred(callbacks_pair(clock, log, k)))
        for k in ("b", "boom", "missing")
    ]
    return defer.gatherResults(ds)


def scenario_both(clock, log):
    ok = defer.ensureDeferred(both(clock, log, "c"))
    failed = defer.ensureDeferred(both(clock, log, "missing"))
    return defer.gatherResults([ok, settle(failed)])


def scenario_trap(clock, log):
    ds = [
        defer.ensureDeferred(trapping(clock, log, "missing")),
        defer.ensureDeferred(trapping_function(clock, log, "missing")),
        defer.ensureDeferred(trapping_function(clock, log, "d")),
    ]
    other = defer.ensureDeferred(trapping(clock, log, "other"))
    other.addErrback(lambda f: ("trap let through", f.type.__name__))
    done = defer.gatherResults(ds + [other])
    log.append("waiting")
    return done.addCallback(lambda rs: [getattr(r, "__name__", r) for r in rs])


def scenario_reraise(clock, log):
    return defer.gatherResults([settle(defer.ensureDeferred(reraising(clock, log, "missing"))),
                                settle(defer.ensureDeferred(reraising(clock, log, "e")))])


def scenario_deferred_callbacks(clock, log):
    return defer.gatherResults([defer.ensureDeferred(deferred_callbacks(clock, log, "f")),
                                defer.ensureDeferred(waits_on_unknown(clock, log, "g"))])


def scenario_failure_out(clock, log):
    return defer.ensureDeferred(callbacks_pair(clock, log, "other"))


def scenario_logged(clock, log):
    return defer.gatherResults(
        [
            defer.ensureDeferred(logged(clock, log, "other")),
            defer.ensureDeferred(logged(clock, log, "h")),
        ]
    )
