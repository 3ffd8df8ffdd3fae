from twisted.internet import defer


class Base:
    @defer.inlineCallbacks
    def describe(self, log):
        log.append("base")
        yield defer.succeed(None)
        defer.returnValue("base")


class Child(Base):
    @defer.inlineCallbacks
    def describe(self, log):
        parent = yield super().describe(log)
        log.append("child")
        defer.returnValue("child+" + parent)


def scenario(clock, log):
    child = Child()
    return child.describe(log)
