from twisted.internet import defer as d
from twisted.internet import task


async def greet(clock, log, name):
    await task.deferLater(clock, 1, log.append, "waited")
    return "hello " + name


def scenario(clock, log):
    return d.ensureDeferred(greet(clock, log, "bob"))
