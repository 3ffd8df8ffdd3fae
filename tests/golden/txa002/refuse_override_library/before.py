from twisted.internet import defer
from twisted.protocols import basic


class Lines(basic.LineReceiver):
    @defer.inlineCallbacks
    def lineLengthExceeded(self, line):
        yield defer.succeed(None)
        self.transport.loseConnection()
