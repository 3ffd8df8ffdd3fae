from twisted.application import service
from twisted.internet import defer


class Worker(service.Service):
    def stopService(self):
        return defer.ensureDeferred(self.__stopService())

    async def __stopService(self):
        await defer.succeed(None)
        service.Service.stopService(self)
