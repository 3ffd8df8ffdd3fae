from twisted.internet import defer, protocol


class Greeter(protocol.Protocol):
    @defer.inlineCallbacks
    def connectionMade(self):
        greeting = yield defer.succeed(b"hi\r\n")
        self.transport.write(greeting)
