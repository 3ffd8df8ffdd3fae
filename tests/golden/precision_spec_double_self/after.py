# A double made from a class (`Mock(spec=Store)`) never runs the class's real methods, so
# `self.fetch()` inside a real `Store` meets only the bodies there: a plain `await`. A call
# on a receiver that may be the double itself (`store.fetch()` with `store: Store`) keeps
# the conservative form: the double's `fetch()` returns a Mock.
from unittest import mock

from twisted.internet import defer


class Store:
    def fetch(self):
        return defer.succeed(2)

    def total(self, log):
        return defer.ensureDeferred(self.__total(log))

    async def __total(self, log):
        b = await self.fetch()
        log.append(b)


async def report(store: Store, log):
    n = await defer.maybeDeferred(store.fetch)
    log.append(type(n).__name__)


def scenario(clock, log):
    d = Store().total(log)
    d.addCallback(lambda _: defer.ensureDeferred(report(Store(), log)))
    d.addCallback(lambda _: defer.ensureDeferred(report(mock.Mock(spec=Store), log)))
    return d
