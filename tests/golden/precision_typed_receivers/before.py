# What the code says types a receiver, so the call reaches only what it can: a module-level
# singleton (`STORE = Store()`), a class attribute assigned a constructor (`cache = Store()`),
# a property with a return annotation, an attribute assigned from `yield Session()` (a yield
# hands back what is not a Deferred as it is; a workspace class's constructor never returns
# one, so that yield is dropped). `Store.get` and `Session.fetch` convert plainly with those
# callers wrapped. `Base.close` is plain but always returns a Deferred, which
# `ensureDeferred` takes as well as a coroutine: `Conn.close` converts plainly too. A base
# bound under `if TYPE_CHECKING:`/`else:` is every alternative. A receiver nothing types
# (`obj.ping()`, its result kept in a dict) still keeps `Mixin.ping` returning a Deferred.
from typing import TYPE_CHECKING

from twisted.internet import defer


class Store:
    @defer.inlineCallbacks
    def get(self, key):
        yield defer.succeed(None)
        return key


class Session:
    @defer.inlineCallbacks
    def fetch(self):
        yield defer.succeed(None)
        return "fetched"


class Other:
    def get(self, key):
        return "other " + key

    def fetch(self):
        return "other"


STORE = Store()


class Base:
    def close(self):
        return defer.succeed("base closed")


class Conn(Base):
    @defer.inlineCallbacks
    def close(self):
        yield defer.succeed(None)
        return "closed"


if TYPE_CHECKING:
    _Helper = Base
else:
    _Helper = object


class Mixin(_Helper):
    @defer.inlineCallbacks
    def ping(self):
        yield defer.succeed(None)
        return "pong"


class Service:
    cache = Store()

    @property
    def store(self) -> Store:
        return STORE

    @defer.inlineCallbacks
    def setup(self):
        self.session = yield Session()
        return self

    def use_cache(self):
        return self.cache.get("c")

    def use_property(self):
        return self.store.get("p")

    def use_session(self):
        return self.session.fetch()


def kick():
    return STORE.get("k")


def shutdown(conn: Base):
    return conn.close()


def unknown(obj):
    pending = {0: obj.ping()}
    return pending[0]


def scenario(clock, log):
    d = Service().setup()

    def run(service):
        results = [service.use_cache(), service.use_property(), service.use_session(), kick(),
                   shutdown(Conn()), shutdown(Base()), unknown(Mixin())]
        return defer.gatherResults(results)

    d.addCallback(run)
    d.addCallback(log.append)
    return d
