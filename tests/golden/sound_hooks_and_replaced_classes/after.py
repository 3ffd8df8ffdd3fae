# A yield of a method that returns a plain value is there for overrides that return a
# Deferred (a hook a user's subclass may override, out of sight): it is never dropped. And a
# class the tests replace (`patch("app.Endpoint", FakeEndpoint)`) may construct the fake: its
# instances' methods return what the fake's do (here a bare Failure, which `yield` raised).
import sys

from twisted.internet import defer
from twisted.python.failure import Failure


class Machine:
    def get_volumes(self):
        return []

    async def start(self, log):
        volumes = await defer.maybeDeferred(self.get_volumes)
        log.append(("volumes", volumes))


class Endpoint:
    def __init__(self, port):
        self.port = port

    def connect(self):
        return defer.succeed(("connected", self.port))


class FakeEndpoint:
    def __init__(self, port):
        self.port = port

    def connect(self):
        return Failure(ConnectionError(self.port))


async def dial(port, log):
    ep = Endpoint(port)
    try:
        result = await defer.maybeDeferred(ep.connect)
    except ConnectionError as e:
        result = ("refused", e.args)
    log.append(result)


def scenario(clock, log):
    d = defer.ensureDeferred(Machine().start(log))
    d.addCallback(lambda _: defer.ensureDeferred(dial(1, log)))
    setattr(sys.modules[__name__], "Endpoint", FakeEndpoint)
    d.addCallback(lambda _: defer.ensureDeferred(dial(2, log)))
    return d
