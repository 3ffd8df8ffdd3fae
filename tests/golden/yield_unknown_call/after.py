"""Calls txasync cannot classify become `await defer.maybeDeferred(f, *args)`, which accepts
both the plain values and the Deferreds the callee may return."""
from twisted.internet import defer, task


class Store:
    def __init__(self, clock):
        self.clock = clock

    def get(self, key):
        if key.startswith("now"):
            return key
        return task.deferLater(self.clock, 1, lambda: key.upper())


async def read_all(store, log, keys, fn):
    out = []
    for key in keys:
        value = await defer.maybeDeferred(store.get, key)
        log.append(value)
        out.append(value)
    extra = await defer.maybeDeferred(store.get, key="now-kw")
    computed = await defer.maybeDeferred(lambda: fn(f=2))
    none = await defer.maybeDeferred(fn)
    return (out, extra, computed, none)


def scenario(clock, log):
    store = Store(clock)
    return defer.ensureDeferred(
        read_all(store, log, ["now-1", "later", "now-2"], lambda f=0: f * 10 or None)
    )
