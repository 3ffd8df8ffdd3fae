from twisted.internet import defer


class Source:
    def read(self):
        return "plain"


class DeferredSource(Source):
    def read(self):
        return defer.ensureDeferred(self.__read())

    async def __read(self):
        value = await defer.succeed("deferred")
        return value
