"""`Base.method(self)` runs exactly that method, whatever overrides it: its body decides
(`Base.start` returns nothing, so its yield is dropped; `Base.ready` returns a Deferred, so
it is awaited). `Service.start` yields an attribute of an instance of a workspace class bound only to
Deferreds (`self.conn.done`): a Deferred kept there may be shared, so it stays as written."""
from twisted.internet import defer


class Conn:
    def __init__(self):
        self.done = defer.Deferred()


class Base:
    def start(self, log):
        log.append("base started")

    def ready(self):
        return defer.succeed("ready")


class Service(Base):
    def __init__(self):
        self.conn = Conn()

    @defer.inlineCallbacks
    def start(self, log):
        yield Base.start(self, log)
        log.append((yield Base.ready(self)))
        self.conn.done.callback("done")
        log.append((yield self.conn.done))

    @defer.inlineCallbacks
    def ready(self):
        yield defer.succeed(None)
        return "sub ready"


def scenario(clock, log):
    return Service().start(log)
