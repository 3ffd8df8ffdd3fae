"""`yield a or b` is `yield (a or b)`; the value is unknown, so it goes through maybeDeferred."""
from twisted.internet import defer


@defer.inlineCallbacks
def pick(log, primary, fallback, flag):
    a = yield primary or fallback
    log.append(("a", a))
    b = yield primary if flag else fallback
    log.append(("b", b))
    c = yield a, b
    log.append(("c", c))
    defer.returnValue((a, b, c))


def scenario(clock, log):
    return defer.gatherResults([
        pick(log, None, defer.succeed("fb"), True),
        pick(log, "p", defer.succeed("fb"), False),
        pick(log, 0, 7, False),
    ])
