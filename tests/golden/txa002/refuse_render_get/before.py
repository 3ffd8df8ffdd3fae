from twisted.internet import defer
from twisted.web import resource


class Page(resource.Resource):
    isLeaf = True

    @defer.inlineCallbacks
    def render_GET(self, request):
        body = yield defer.succeed(b"hello")
        request.write(body)
        request.finish()
