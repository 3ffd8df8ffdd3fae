# The project's tests replace callees: `Mock(return_value="X")`, `lambda: None`, `patch`.
# `yield` accepted those plain values; a plain `await` would raise TypeError. Yields of calls
# to replaced names become `await defer.maybeDeferred(...)`. An inlineCallbacks function
# `patch()` replaces with a double it makes keeps its Deferred API (so `patch()` keeps making
# a plain Mock for it, not an AsyncMock); one replaced by a double the test gives
# (`c.setup = lambda: None`) converts plainly, since no caller needs a wrap.
from unittest import mock

from twisted.internet import defer


class Client:
    def fetch(self):
        return defer.succeed("real")

    @defer.inlineCallbacks
    def run(self, log):
        r = yield self.fetch()
        log.append(r)
        s = yield self.setup()
        log.append(s)
        t = yield self.lookup()
        log.append(t)

    @defer.inlineCallbacks
    def setup(self):
        yield defer.succeed(None)
        return "setup"

    @defer.inlineCallbacks
    def lookup(self):
        yield defer.succeed(None)
        return "looked up"


def scenario(clock, log):
    c = Client()
    c.fetch = mock.Mock(return_value="X")
    c.setup = lambda: None
    with mock.patch.object(Client, "lookup", return_value=defer.succeed("patched")):
        return c.run(log)
