from twisted.internet import defer

from vendor.framework import Handler


class MyHandler(Handler):
    @defer.inlineCallbacks
    def handle(self, request):
        value = yield defer.succeed(request)
        return value
