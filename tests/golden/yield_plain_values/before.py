"""IC hands plain yielded values straight back: the yield is dropped, never awaited."""
from twisted.internet import defer


@defer.inlineCallbacks
def plain_values(log):
    x = yield 5
    log.append(("x", x))
    yield
    yield None
    d1 = defer.succeed(1)
    d2 = defer.succeed(2)
    pair = yield [d1, d2]
    log.append(("pair", [type(p).__name__ for p in pair]))
    yield [d1, d2]
    s = yield "text"
    mapping = yield {"k": x}
    nothing = yield
    log.append((s, mapping, nothing))
    defer.returnValue(len(pair))


def scenario(clock, log):
    return plain_values(log)
