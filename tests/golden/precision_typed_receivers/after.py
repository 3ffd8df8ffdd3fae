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
    async def get(self, key):
        await defer.succeed(None)
        return key


class Session:
    async def fetch(self):
        await defer.succeed(None)
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
    async def close(self):
        await defer.succeed(None)
        return "closed"


if TYPE_CHECKING:
    _Helper = Base
else:
    _Helper = object


class Mixin(_Helper):
    def ping(self):
        return defer.ensureDeferred(self.__ping())

    async def __ping(self):
        await defer.succeed(None)
        return "pong"


class Service:
    cache = Store()

    @property
    def store(self) -> Store:
        return STORE

    async def setup(self):
        self.session = Session()
        return self

    def use_cache(self):
        return defer.ensureDeferred(self.cache.get("c"))

    def use_property(self):
        return defer.ensureDeferred(self.store.get("p"))

    def use_session(self):
        return defer.ensureDeferred(self.session.fetch())


def kick():
    return defer.ensureDeferred(STORE.get("k"))


def shutdown(conn: Base):
    return defer.ensureDeferred(conn.close())


def unknown(obj):
    pending = {0: obj.ping()}
    return pending[0]


def scenario(clock, log):
    d = defer.ensureDeferred(Service().setup())

    def run(service):
        results = [service.use_cache(), service.use_property(), service.use_session(), kick(),
                   shutdown(Conn()), shutdown(Base()), unknown(Mixin())]
        return defer.gatherResults(results)

    d.addCallback(run)
    d.addCallback(log.append)
    return d
