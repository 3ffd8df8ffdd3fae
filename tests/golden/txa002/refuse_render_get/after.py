from twisted.internet import defer
from twisted.web import resource
from twisted.web.server import NOT_DONE_YET


class Page(resource.Resource):
    isLeaf = True

    def render_GET(self, request):
        defer.ensureDeferred(self.__render_GET(request))
        return NOT_DONE_YET

    async def __render_GET(self, request):
        body = await defer.succeed(b"hello")
        request.write(body)
        request.finish()
