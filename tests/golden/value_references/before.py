from twisted.internet import defer


@defer.inlineCallbacks
def on_a(log, x):
    yield None
    log.append(("a", x))
    return x


HANDLERS = {"a": on_a}
alias = on_a


def dispatch(log, key, x):
    handler = HANDLERS[key]
    return handler(log, x).addCallback(lambda r: log.append(("done", r)))


def scenario(clock, log):
    alias(log, 1)
    return dispatch(log, "a", 2)
