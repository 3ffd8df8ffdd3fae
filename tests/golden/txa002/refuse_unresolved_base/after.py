from twisted.internet import defer

from vendor.framework import Handler


class MyHandler(Handler):
    def handle(self, request):
        return defer.ensureDeferred(self.__handle(request))

    async def __handle(self, request):
        value = await defer.succeed(request)
        return value
