"""returnValue in a nested helper makes the *outer* generator return: refused. The own-frame
returnValue still becomes `return` (TXA003), the helper's is left alone."""
from twisted.internet import defer


@defer.inlineCallbacks
def outer(log, d):
    def finish(x):
        log.append(("finish", x))
        defer.returnValue(x)

    value = yield d
    if value is None:
        return 0
    finish(value)
    log.append("not reached")


def scenario(clock, log):
    return defer.gatherResults([outer(log, defer.succeed(5)), outer(log, defer.succeed(None))])
