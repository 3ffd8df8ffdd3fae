# `super().m()` in a mixin runs the next `m` in the instance's MRO: for
# `class Job(LoggingMixin, Steps)` that is `Steps.run` (a sibling base), not a base of the
# mixin. The call is a caller of `Steps.run`, and is wrapped when that one converts.
from twisted.internet import defer


class LoggingMixin:
    def run(self, log):
        log.append("before")
        d = defer.ensureDeferred(super().run(log))
        d.addCallback(lambda r: log.append(("after", r)))
        return d


class Steps:
    async def run(self, log):
        await defer.succeed(None)
        log.append("ran")
        return 1


class Job(LoggingMixin, Steps):
    pass


def scenario(clock, log):
    return Job().run(log)
