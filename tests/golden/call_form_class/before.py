from twisted.internet import defer


class Loader:
    def __init__(self, log):
        self.log = log

    def load(self, key):
        value = yield defer.succeed(key)
        self.log.append(value)
        defer.returnValue(value + "!")
    load = defer.inlineCallbacks(load)

    def describe(self):
        return "loader"


def scenario(clock, log):
    loader = Loader(log)
    return loader.load("x")
