"""Names the rewrite no longer needs leave no odd import behind: a parenthesised import
with a trailing comma stays exploded (with its comma), one without is joined onto one line
when it fits, and the comment of a removed name stays."""
from twisted.internet.defer import (
    Deferred,
    inlineCallbacks,
)
from twisted.internet.defer import (returnValue,  # to leave early
                                    succeed)


@inlineCallbacks
def wait(d: Deferred):
    value = yield d
    yield succeed(None)
    returnValue(value)


def scenario(clock, log):
    d = Deferred()
    clock.callLater(1, d.callback, "fired")
    return wait(d)
