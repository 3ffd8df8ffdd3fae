from twisted.internet import defer


def steps():
    first = yield defer.succeed(1)
    return first


@defer.inlineCallbacks
def run():
    value = yield from steps()
    yield defer.succeed(value)
