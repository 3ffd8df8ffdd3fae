"""A Deferred kept in an attribute and yielded by several waiters (a connection's "ready").
`yield d` adds a callback to `d` and takes its turn in `d`'s chain, consuming the result;
`await d` reads a fired `d`'s result at once and leaves it there. So a waiter started from
inside `d`'s own errback (a reconnect) waits with `yield`, and fails an assertion inside
Twisted (24.11+) with `await`; and a second waiter after the first gets `None` with
`yield`, the result with `await`. `Conn.wait` stays as written (yield-shared-deferred);
`Conn.chained` (`self.ready.addCallback(...)` is `self.ready`), `Conn.walrus`
(`(pending := self.ready)`) and `Conn.via_call` (`when_ready()` returns it) too;
`Conn.fresh` yields a Deferred only it holds and converts."""
from twisted.internet import defer


class Conn:
    def __init__(self):
        self.ready = defer.Deferred()

    @defer.inlineCallbacks
    def wait(self):
        value = yield self.ready
        return ("connected", value)

    @defer.inlineCallbacks
    def chained(self):
        # `addCallback` hands back the Deferred it is called on: still the shared one.
        value = yield self.ready.addCallback(lambda v: v)
        return ("chained", value)

    @defer.inlineCallbacks
    def walrus(self):
        # An assignment expression is the value it binds: still the attribute's Deferred.
        value = yield (pending := self.ready)
        return ("walrus", value, pending is self.ready)

    def when_ready(self):
        return self.ready

    @defer.inlineCallbacks
    def via_call(self):
        # What `when_ready()` returns is the attribute's Deferred: shared as well.
        value = yield self.when_ready()
        return ("via call", value)

    async def fresh(self, clock):
        value = await defer.succeed("fresh")
        return value


def scenario(clock, log):
    conn = Conn()
    first = conn.wait()

    def retry(failure):
        second = conn.wait()
        log.append(("second waits", not second.called))
        second.addBoth(lambda r: log.append(("second", type(r).__name__)))

    first.addErrback(retry)
    conn.ready.errback(KeyError("lost"))
    return first


def _connected():
    conn = Conn()
    conn.ready.callback("proto")
    return conn


def _in_turn(log, *waits):
    """Each wait started once the one before has finished; what each gets is logged."""
    d = defer.succeed(None)
    for wait in waits:
        d.addCallback(lambda _, wait=wait: wait())
        d.addCallback(log.append)
    return d


def scenario_second_waiter(clock, log):
    conn = _connected()
    return _in_turn(log, conn.wait, conn.wait, lambda: defer.ensureDeferred(conn.fresh(clock)))


def scenario_chained(clock, log):
    conn = _connected()
    return _in_turn(log, conn.chained, conn.wait)


def scenario_walrus(clock, log):
    conn = _connected()
    return _in_turn(log, conn.walrus, conn.walrus)


def scenario_via_call(clock, log):
    conn = _connected()
    return _in_turn(log, conn.via_call, conn.via_call)
