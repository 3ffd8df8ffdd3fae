# A class-body assignment replaces a base's method for that class's instances: a test double
# `fetch = Mock(return_value=7)` in a subclass, or an alias `get_raw = get_plain`. A call of
# `self.fetch()` in the base may get the double's plain value: never a plain `await`.
from unittest import mock

from twisted.internet import defer


class Base:
    def fetch(self):
        return defer.succeed(1)

    def get_plain(self):
        return 2

    def get_raw(self):
        return defer.succeed(3)

    @defer.inlineCallbacks
    def run(self, log):
        a = yield self.fetch()
        b = yield self.get_raw()
        log.append((a, b))


class Double(Base):
    fetch = mock.Mock(return_value=7)
    get_raw = Base.get_plain


def scenario(clock, log):
    d = Base().run(log)
    d.addCallback(lambda _: Double().run(log))
    return d
