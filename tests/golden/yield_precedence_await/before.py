"""With unknown-yield = "await", the await needs parentheses to keep the yield's precedence."""
from twisted.internet import defer


@defer.inlineCallbacks
def pick(log, primary, fallback, flag, second, third):
    a = yield primary or fallback
    log.append(("a", a))
    b = yield second if flag else fallback
    log.append(("b", b))
    n = 1 + (yield third)
    log.append(("n", n))
    defer.returnValue((a, b, n))


def scenario(clock, log):
    return pick(log, None, defer.succeed(4), True, defer.succeed(5), defer.succeed(6))
