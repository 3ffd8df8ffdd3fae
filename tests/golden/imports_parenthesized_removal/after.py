"""Names the rewrite no longer needs leave no odd import behind: a parenthesised import
with a trailing comma stays exploded (with its comma), one without is joined onto one line
when it fits, and the comment of a removed name stays."""
from twisted.internet import defer
from twisted.internet.defer import (
    Deferred,
)
# to leave early
from twisted.internet.defer import succeed


async def wait(d: Deferred):
    value = await defer.maybeDeferred(lambda: d)
    await succeed(None)
    return value


def scenario(clock, log):
    d = Deferred()
    clock.callLater(1, d.callback, "fired")
    return defer.ensureDeferred(wait(d))
