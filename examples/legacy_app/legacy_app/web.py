"""
JSON-over-HTTP front end for L{handlers.AccountHandler}.

    GET    /accounts            list account names
    POST   /accounts            create {"name": ..., "balance": ...}
    GET    /accounts/<name>     balance of one account
    POST   /accounts/<name>     deposit {"amount": ...}
    DELETE /accounts/<name>     close the account
    POST   /transfers           {"src": ..., "dst": ..., "amount": ...}
"""

import json

from twisted.internet.defer import inlineCallbacks, returnValue
from twisted.python import failure, log
from twisted.web import server
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from legacy_app import handlers, storage

# Most specific first: NotFound is a KeyError.
_ERROR_CODES = [
    (storage.NotFound, 404),
    (handlers.AccountExists, 409),
    (handlers.InsufficientFunds, 409),
    (handlers.LimitExceeded, 403),
    (ValueError, 400),
    (KeyError, 400),
]


def _read_json(request):
    body = json.loads(request.content.read().decode("utf-8"))
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    return body


def _write_json(result, request, code=200):
    request.setResponseCode(code)
    request.setHeader(b"content-type", b"application/json")
    request.write(json.dumps(result, sort_keys=True).encode("utf-8"))
    request.finish()


def _write_error(reason, request):
    for exc_type, code in _ERROR_CODES:
        if reason.check(exc_type):
            break
    else:
        log.err(reason, "unexpected error handling request")
        code = 500
    message = reason.value.__class__.__name__
    _write_json({"error": message}, request, code)


class AccountResource(Resource):
    isLeaf = True

    def __init__(self, handler: handlers.AccountHandler, name):
        Resource.__init__(self)
        self.handler = handler
        self.name = name

    def render_GET(self, request):
        d = self._load()
        d.addCallback(_write_json, request)
        d.addErrback(_write_error, request)
        return NOT_DONE_YET

    @inlineCallbacks
    def _load(self):
        balance = yield self.handler.get_balance(self.name)
        returnValue({"name": self.name, "balance": balance})

    def render_POST(self, request):
        # _deposit writes the response itself, success or failure.
        self._deposit(request)
        return NOT_DONE_YET

    @inlineCallbacks
    def _deposit(self, request):
        try:
            body = _read_json(request)
            balance = yield self.handler.deposit(self.name, int(body["amount"]))
        except Exception:
            _write_error(failure.Failure(), request)
            return
        _write_json({"name": self.name, "balance": balance}, request)

    def render_DELETE(self, request):
        d = self.handler.close_account(self.name)
        d.addCallback(lambda balance: {"closed": self.name, "balance": balance})
        d.addCallbacks(_write_json, _write_error,
                       callbackArgs=(request,), errbackArgs=(request,))
        return NOT_DONE_YET


class AccountsResource(Resource):
    def __init__(self, handler: handlers.AccountHandler):
        Resource.__init__(self)
        self.handler = handler

    def getChild(self, path, request):
        if not path:
            return self
        return AccountResource(self.handler, path.decode("utf-8"))

    def render_GET(self, request):
        d = self.handler.list_accounts()
        d.addCallback(lambda names: {"accounts": names})
        d.addCallback(_write_json, request)
        d.addErrback(_write_error, request)
        return NOT_DONE_YET

    def render_POST(self, request):
        d = self._create(request)
        d.addCallback(_write_json, request, 201)
        d.addErrback(_write_error, request)
        return NOT_DONE_YET

    @inlineCallbacks
    def _create(self, request):
        body = _read_json(request)
        account = yield self.handler.create_account(
            body["name"], int(body.get("balance", 0))
        )
        returnValue(account)


class TransferResource(Resource):
    isLeaf = True

    def __init__(self, handler: handlers.AccountHandler):
        Resource.__init__(self)
        self.handler = handler

    def render_POST(self, request):
        d = self._transfer(request)
        d.addCallback(_write_json, request)
        d.addErrback(_write_error, request)
        return NOT_DONE_YET

    @inlineCallbacks
    def _transfer(self, request):
        body = _read_json(request)
        src, dst = body["src"], body["dst"]
        remaining = yield self.handler.transfer(src, dst, int(body["amount"]))
        returnValue({"src": src, "dst": dst, "remaining": remaining})


def make_root(handler):
    root = Resource()
    root.putChild(b"accounts", AccountsResource(handler))
    root.putChild(b"transfers", TransferResource(handler))
    return root


def make_site(handler):
    return server.Site(make_root(handler))
