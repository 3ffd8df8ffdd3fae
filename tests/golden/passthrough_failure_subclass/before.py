"""A project with its own Failure subclass (a failure as it arrives from elsewhere, with what
it carries): a Deferred handed out as it is keeps that failure object for the caller's
errback; `await` would raise its exception and hand the caller a new plain Failure. So no
pass-through (TXA005) or chain (TXA006) converts here."""
from twisted.internet import defer, task
from twisted.python import failure


class RemoteFailure(failure.Failure):
    """A failure from elsewhere, with a note on it."""


def remote(clock, key):
    f = RemoteFailure(KeyError(key))
    f.note = "from afar"
    d = task.deferLater(clock, 1, lambda: None)
    d.addCallback(lambda _: f)
    return d


def call(clock, key):
    return defer.maybeDeferred(remote, clock, key)


def call_chain(clock, key):
    d = defer.maybeDeferred(remote, clock, key)
    d.addCallback(str)
    return d


def scenario(clock, log):
    ds = [call(clock, "a"), call_chain(clock, "b")]
    for d in ds:
        d.addErrback(lambda f: log.append((type(f).__name__, getattr(f, "note", None))))
    return defer.gatherResults(ds)
