# Names resolve by scope: a local variable or parameter named like a converted function is
# not that function, and is never wrapped.
from io import StringIO

from twisted.internet import defer


async def dump(x):
    await defer.succeed(x)
    return x


def other():
    dump = StringIO()
    dump.write("x")
    return dump


def through(dump):
    return dump


def scenario(clock, log):
    log.append(other().getvalue())
    log.append(through(3))
    return defer.ensureDeferred(dump(4)).addCallback(log.append)
