from twisted.internet import defer as d
from twisted.internet import task


@d.inlineCallbacks
def greet(clock, log, name):
    yield task.deferLater(clock, 1, log.append, "waited")
    d.returnValue("hello " + name)


def scenario(clock, log):
    return greet(clock, log, "bob")
