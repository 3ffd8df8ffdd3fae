from twisted.internet import defer


class Loader:
    def __init__(self, log):
        self.log = log

    async def load(self, key):
        value = await defer.succeed(key)
        self.log.append(value)
        return value + "!"

    def describe(self):
        return "loader"


def scenario(clock, log):
    loader = Loader(log)
    return defer.ensureDeferred(loader.load("x"))
