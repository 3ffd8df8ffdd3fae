from twisted.internet import defer


class Base:
    async def describe(self, log):
        log.append("base")
        await defer.succeed(None)
        return "base"


class Child(Base):
    async def describe(self, log):
        parent = await super().describe(log)
        log.append("child")
        return "child+" + parent


def scenario(clock, log):
    child = Child()
    return defer.ensureDeferred(child.describe(log))
