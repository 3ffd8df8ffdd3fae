from twisted.internet import defer


class Sender:
    @defer.inlineCallbacks
    def go(self):
        yield defer.succeed(None)


class Receiver:
    @defer.inlineCallbacks
    def go(self):
        yield defer.succeed(None)


def send():
    return Sender().go()
