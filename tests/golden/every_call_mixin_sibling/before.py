# Receivers txasync cannot type are still callers: a mixin calls `self.run_seq()`, which a
# sibling base defines; the call is left unwrapped only if `run_seq` keeps a Deferred.
from twisted.internet import defer


class RunMixin:
    def go(self, log):
        d = self.run_seq(log)
        d.addCallback(lambda r: log.append(("done", r)))
        return d


class Steps:
    @defer.inlineCallbacks
    def run_seq(self, log):
        yield defer.succeed(None)
        log.append("ran")
        return 1


class Job(RunMixin, Steps):
    pass


def scenario(clock, log):
    return Job().go(log)
