# Every store into an attribute named `_lock`, anywhere, is `Lock()`: `self._lock` is
# exactly a `Lock`, so `self._lock.acquire()` runs `Lock.acquire` and nothing else (not
# a subclass's override, not the duck-typed `FakeLock`): a plain `await`. `_conn` is also
# given a `FakeConn()` from outside (`client._conn = FakeConn()`), whose `fetch()` returns
# a plain value: that yield keeps the conservative form.
from twisted.internet import defer


class Lock:
    def acquire(self):
        return defer.succeed(True)


class Conn:
    def fetch(self):
        return defer.succeed(3)


class Client:
    def __init__(self):
        self._lock = Lock()
        self._conn = Conn()

    @defer.inlineCallbacks
    def run(self, log):
        ok = yield self._lock.acquire()
        n = yield self._conn.fetch()
        log.append((ok, n))


class FakeLock:
    def acquire(self):
        return False


class FakeConn:
    def fetch(self):
        return 4


def scenario(clock, log):
    d = Client().run(log)

    def swap(_):
        client = Client()
        client._conn = FakeConn()
        return client.run(log)

    d.addCallback(swap)
    return d
