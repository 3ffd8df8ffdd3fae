from twisted.application import service
from twisted.internet import defer


class Worker(service.Service):
    @defer.inlineCallbacks
    def stopService(self):
        yield defer.succeed(None)
        service.Service.stopService(self)
