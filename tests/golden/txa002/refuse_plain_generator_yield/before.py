from twisted.internet import defer


def steps(log):
    log.append("step")
    yield 1
    return 2


@defer.inlineCallbacks
def runner(log):
    # Twisted 24.7+ runs a yielded plain generator; older releases hand it back
    x = yield steps(log)
    return x
