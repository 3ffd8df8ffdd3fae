# A plain `Source.read` and an inlineCallbacks override: `consume` returns what either gives,
# so its call would need a wrap that fits a plain value and a coroutine alike. None does:
# `DeferredSource.read` is refused (a call site that awaits or yields would take both).
from twisted.internet import defer


class Source:
    def read(self):
        return "plain"


class DeferredSource(Source):
    @defer.inlineCallbacks
    def read(self):
        value = yield defer.succeed("deferred")
        return value


def consume(src: Source):
    return src.read()
