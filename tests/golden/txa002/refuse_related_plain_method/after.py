# A plain `Source.read` and an inlineCallbacks override: `consume` collects what either gives,
# so its call would need a wrap that fits a plain value and a coroutine alike. None does in an
# expression: `DeferredSource.read` is refused (a call site that awaits or yields would take
# both, and so would a call statement or `return` made coroutine-aware: see aware_dispatch).
from twisted.internet import defer


class Source:
    def read(self):
        return "plain"


class DeferredSource(Source):
    def read(self):
        return defer.ensureDeferred(self.__read())

    async def __read(self):
        value = await defer.succeed("deferred")
        return value


def consume(src: Source, results):
    results.append(src.read())
