"""A wrap needs `defer`, and a star import may bind it (twisted.names.common binds it to
twisted.internet.defer): the module's `defer.inlineCallbacks(...)` is not read as Twisted's,
and importing `defer` would make it so, so the next run would convert `_poll` (fix twice !=
fix once), and a star import after the new line could rebind the name. The import is
added under a name of txasync's own."""
from twisted.internet import defer as _txasync_defer
from twisted.names.common import *
from twisted.internet.defer import succeed


async def notify(log, what):
    log.append(("notify", what))
    await succeed(None)
    log.append(("notified", what))


def _poll(log):
    value = yield succeed("polled")
    log.append(value)
    return value


poll = defer.inlineCallbacks(_poll)


def start(log):
    d = _txasync_defer.ensureDeferred(notify(log, "x"))
    return d


def scenario(clock, log):
    d = start(log)
    log.append(("a Deferred", isinstance(d, defer.Deferred)))
    poll(log)
    return d
