from twisted.internet import defer


def on_a(log, x):
    return defer.ensureDeferred(_on_a(log, x))


async def _on_a(log, x):
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
