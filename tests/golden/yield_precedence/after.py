"""`yield a or b` is `yield (a or b)`; the value is unknown, so it goes through maybeDeferred."""
from twisted.internet import defer


async def pick(log, primary, fallback, flag):
    a = await defer.maybeDeferred(lambda: primary or fallback)
    log.append(("a", a))
    b = await defer.maybeDeferred(lambda: primary if flag else fallback)
    log.append(("b", b))
    c = a, b
    log.append(("c", c))
    return (a, b, c)


def scenario(clock, log):
    return defer.gatherResults([
        defer.ensureDeferred(pick(log, None, defer.succeed("fb"), True)),
        defer.ensureDeferred(pick(log, "p", defer.succeed("fb"), False)),
        defer.ensureDeferred(pick(log, 0, 7, False)),
    ])
