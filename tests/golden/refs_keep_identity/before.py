# References keep their identity and their binding: a method handed to a registry as a value
# keeps its Deferred API (no wrapper lambda), so unsubscribe finds it and a saved original
# still calls the original.
from twisted.internet import defer


class Bus:
    def __init__(self):
        self.subs = []

    def subscribe(self, f):
        self.subs.append(f)

    def unsubscribe(self, f):
        self.subs.remove(f)


class Svc:
    def __init__(self, bus):
        self.bus = bus

    def start(self):
        self.bus.subscribe(self._on_event)

    def stop(self):
        self.bus.unsubscribe(self._on_event)

    @defer.inlineCallbacks
    def _on_event(self, x):
        yield defer.succeed(x)


class Store:
    @defer.inlineCallbacks
    def save(self, x):
        yield defer.succeed(None)
        return ("saved", x)


orig = Store.save


def traced(self, x):
    return orig(self, x).addCallback(lambda r: ("traced", r))


def scenario(clock, log):
    bus = Bus()
    s = Svc(bus)
    s.start()
    s.stop()
    log.append(len(bus.subs))
    Store.save = traced
    try:
        return Store().save(1).addCallback(log.append)
    finally:
        Store.save = orig
