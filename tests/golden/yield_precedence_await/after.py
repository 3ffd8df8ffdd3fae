"""With unknown-yield = "await", the await needs parentheses to keep the yield's precedence."""
from twisted.internet import defer


async def pick(log, primary, fallback, flag, second, third):
    a = await (primary or fallback)
    log.append(("a", a))
    b = await (second if flag else fallback)
    log.append(("b", b))
    n = 1 + await third
    log.append(("n", n))
    return (a, b, n)


def scenario(clock, log):
    return defer.ensureDeferred(
        pick(log, None, defer.succeed(4), True, defer.succeed(5), defer.succeed(6))
    )
