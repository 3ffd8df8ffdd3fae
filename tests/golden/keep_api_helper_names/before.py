"""Keep-API helpers get names nothing else uses: `maybe_start` and `_maybe_start` once both
got `__maybe_start` (the second replaced the first), and `__maybe_start_async` is a class
attribute already. Module-level helpers are in tests/test_helper_names.py."""
from twisted.internet import defer, task


class Service:
    __maybe_start_async = "a class attribute the helper must not replace"

    def __init__(self, clock, log):
        self.clock = clock
        self.log = log

    @defer.inlineCallbacks
    def maybe_start(self, name):
        yield task.deferLater(self.clock, 1, lambda: None)
        self.log.append(("public", name))
        defer.returnValue("public:" + name)

    @defer.inlineCallbacks
    def _maybe_start(self, name):
        yield task.deferLater(self.clock, 2, lambda: None)
        self.log.append(("private", name))
        defer.returnValue("private:" + name)

    def both(self, name):
        return defer.gatherResults([use(self, name), use_private(self, name)])

    def attribute(self):
        return self.__maybe_start_async


def use(obj, name):
    pending = {0: obj.maybe_start(name)}
    return pending[0]


def use_private(obj, name):
    pending = {0: obj._maybe_start(name)}
    return pending[0]


def scenario(clock, log):
    service = Service(clock, log)
    d = service.both("a")
    d.addCallback(lambda v: log.append(("both", v, service.attribute())))
    return d
