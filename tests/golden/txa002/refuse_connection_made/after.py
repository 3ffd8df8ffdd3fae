from twisted.internet import defer, protocol


class Greeter(protocol.Protocol):
    def connectionMade(self):
        return defer.ensureDeferred(self.__connectionMade())

    async def __connectionMade(self):
        greeting = await defer.succeed(b"hi\r\n")
        self.transport.write(greeting)
