from twisted.internet import defer


async def on_a(log, x):
    log.append(("a", x))
    return x


HANDLERS = {"a": lambda *a, **kw: defer.ensureDeferred(on_a(*a, **kw))}
alias = lambda *a, **kw: defer.ensureDeferred(on_a(*a, **kw))


def dispatch(log, key, x):
    handler = HANDLERS[key]
    return handler(log, x).addCallback(lambda r: log.append(("done", r)))


def scenario(clock, log):
    alias(log, 1)
    return dispatch(log, "a", 2)
