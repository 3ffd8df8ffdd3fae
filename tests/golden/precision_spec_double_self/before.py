# A double made from a class (`Mock(spec=Store)`) never runs the class's real methods, so
# `self.fetch()` inside a real `Store` meets only the bodies there: a plain `await`. A call
# on a receiver that may be the double itself (`store.fetch()` with `store: Store`) keeps
# the conservative form: the double's `fetch()` returns a Mock.
from unittest import mock

from twisted.internet import defer


class Store:
    def fetch(self):
        return defer.succeed(2)

    @defer.inlineCallbacks
    def total(self, log):
        b = yield self.fetch()
        log.append(b)


@defer.inlineCallbacks
def report(store: Store, log):
    n = yield store.fetch()
    log.append(type(n).__name__)


def scenario(clock, log):
    d = Store().total(log)
    d.addCallback(lambda _: report(Store(), log))
    d.addCallback(lambda _: report(mock.Mock(spec=Store), log))
    return d
