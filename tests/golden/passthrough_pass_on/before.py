"""Pass-throughs (TXA005) returning `maybeDeferred(f)` or `ensureDeferred(g(...))`.

Found on Deluge 2.2.0 (`Component._component_shutdown`'s callback `on_stop` returns
`maybeDeferred(self.shutdown)`): both calls hand back the Deferred their argument gives them,
so they are as new as that. Returned from a callback, a Deferred others hold is chained: the
chain takes its result and leaves `None` in it. Awaited once it has fired, the result stays
in it: whoever holds it next sees the value, not `None`. Only a pass-through whose call
hands out a new Deferred (an inlineCallbacks or `async def` function's) converts.
"""
from twisted.internet import defer, task
from twisted.internet.defer import maybeDeferred


@defer.inlineCallbacks
def load(clock, log, key):
    log.append(("load", key))
    yield task.deferLater(clock, 1, lambda: None)
    return key.upper()


class Component:
    def __init__(self):
        self.done = defer.Deferred()

    def shutdown(self):
        return self.done

    def stop(self):
        """Refused: `self.shutdown` hands out `self.done`, which the component holds."""
        def on_stop(result):
            return maybeDeferred(self.shutdown)

        d = defer.succeed(None)
        d.addCallback(on_stop)
        return d

    def stop_ensured(self):
        """Refused: `ensureDeferred` returns the Deferred it is given, as it is."""
        def on_stop(result):
            return defer.ensureDeferred(self.shutdown())

        d = defer.succeed(None)
        d.addCallback(on_stop)
        return d


def fetch(clock, log, key):
    """Converted: `load` makes a new Deferred at every call."""
    return maybeDeferred(load, clock, log, key)


def _stop_fired(log, stop):
    """`stop` called once the held Deferred has fired; what each side then sees is logged."""
    c = Component()
    c.done.callback("bye")
    d = stop(c)
    d.addCallback(lambda r: log.append(("stopped", r)))
    c.done.addCallback(lambda r: log.append(("held", r)))
    return d


def scenario(clock, log):
    return _stop_fired(log, Component.stop)


def scenario_ensured(clock, log):
    return _stop_fired(log, Component.stop_ensured)


def scenario_unfired(clock, log):
    c = Component()
    d = c.stop()
    d.addCallback(lambda r: log.append(("stopped", r)))
    c.done.callback("bye")
    c.done.addCallback(lambda r: log.append(("held", r)))
    return d


def scenario_fresh(clock, log):
    d = fetch(clock, log, "a")
    clock.advance(1)
    return d
