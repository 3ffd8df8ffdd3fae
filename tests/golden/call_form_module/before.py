from twisted.internet import defer
from twisted.internet.defer import inlineCallbacks


def load(log, key):
    value = yield defer.succeed(key.upper())
    log.append(value)
    return value


load = inlineCallbacks(load)


def scenario(clock, log):
    return load(log, "k")
