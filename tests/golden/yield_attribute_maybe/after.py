"""A function yielding an attribute stays as written (yield-shared-deferred: a Deferred kept
there may be shared, and `maybeDeferred` would hand it back as is). Before that rule,
attributes txasync cannot pin to a Deferred stayed `await defer.maybeDeferred(...)`: one
also set to `None` (`yield self.pending` then hands back None), one a tuple assignment
rebinds, one a parameter shadows after `if d is None: d = Deferred()`, and a local a
closure rebinds with `nonlocal`."""
from twisted.internet import defer


class Conn:
    def __init__(self):
        self.pending = defer.Deferred()
        self.ready = defer.Deferred()

    def lost(self):
        self.pending = None

    def swap(self):
        d, self.ready = self.ready, "done"
        return d

    @defer.inlineCallbacks
    def wait(self, log, d=None):
        value = yield self.pending
        log.append(value)
        other = yield self.ready
        log.append(other)
        if d is None:
            d = defer.Deferred()
            d.callback("made")
        got = yield d
        log.append(got)
        e = defer.succeed(1)

        def rebind():
            nonlocal e
            e = 2

        rebind()
        log.append((yield e))
        return value


def scenario(clock, log):
    conn = Conn()
    conn.lost()
    conn.swap()
    return conn.wait(log, d="given")
