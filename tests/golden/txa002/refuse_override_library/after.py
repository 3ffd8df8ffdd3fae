from twisted.internet import defer
from twisted.protocols import basic


class Lines(basic.LineReceiver):
    def lineLengthExceeded(self, line):
        return defer.ensureDeferred(self.__lineLengthExceeded(line))

    async def __lineLengthExceeded(self, line):
        await defer.succeed(None)
        self.transport.loseConnection()
