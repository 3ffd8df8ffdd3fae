"""IC hands plain yielded values straight back: the yield is dropped, never awaited."""
from twisted.internet import defer


async def plain_values(log):
    x = 5
    log.append(("x", x))
    d1 = defer.succeed(1)
    d2 = defer.succeed(2)
    pair = [d1, d2]
    log.append(("pair", [type(p).__name__ for p in pair]))
    s = "text"
    mapping = {"k": x}
    nothing = None
    log.append((s, mapping, nothing))
    return len(pair)


def scenario(clock, log):
    return defer.ensureDeferred(plain_values(log))
