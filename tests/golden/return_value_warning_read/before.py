"""`returnValue` raises a DeprecationWarning (Twisted 24.7 on) that a `return` does not: a
function that calls it stays as it is where a function it is nested in, or one that calls
it, reads the warnings raised meanwhile (trial's `flushWarnings`, `assertWarns`,
`warnings.catch_warnings`). One whose callers read none converts."""
import warnings

from twisted.internet import defer, task


def read_in_outer(clock, log):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        @defer.inlineCallbacks
        def inner():
            yield defer.succeed(None)
            defer.returnValue(6)

        d = inner()
    log.append(("warned", len(caught) > 0))
    return d


@defer.inlineCallbacks
def helper(clock):
    yield defer.succeed(None)
    defer.returnValue(7)


def read_by_caller(clock, log):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = helper(clock)
    log.append(("warned", len(caught) > 0))
    return d


@defer.inlineCallbacks
def unread(clock):
    yield task.deferLater(clock, 1, lambda: None)
    defer.returnValue(8)


def scenario(clock, log):
    return defer.gatherResults([read_in_outer(clock, log), read_by_caller(clock, log),
                                unread(clock)])
