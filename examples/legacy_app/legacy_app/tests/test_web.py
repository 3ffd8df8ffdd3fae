import json
from io import BytesIO

from twisted.internet import defer
from twisted.trial import unittest
from twisted.web.resource import getChildForRequest
from twisted.web.test.requesthelper import DummyRequest

from legacy_app import handlers, storage, web


def make_request(path, method=b"GET", body=None):
    request = DummyRequest(path.lstrip(b"/").split(b"/"))
    request.method = method
    if body is not None:
        request.content = BytesIO(
            body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        )
    return request


class WebTests(unittest.TestCase):
    @defer.inlineCallbacks
    def setUp(self):
        self.handler = handlers.AccountHandler(storage.Store())
        self.root = web.make_root(self.handler)
        yield self.handler.create_account("alice", 100)

    @defer.inlineCallbacks
    def request(self, path, method=b"GET", body=None):
        """
        Route and render a request; fire with (status, decoded JSON body).
        """
        request = make_request(path, method, body)
        finished = request.notifyFinish()
        resource = getChildForRequest(self.root, request)
        request.render(resource)
        yield finished
        payload = json.loads(b"".join(request.written).decode("utf-8"))
        defer.returnValue((request.responseCode, payload))

    @defer.inlineCallbacks
    def test_get_account(self):
        code, body = yield self.request(b"/accounts/alice")
        self.assertEqual(code, 200)
        self.assertEqual(body, {"name": "alice", "balance": 100})

    @defer.inlineCallbacks
    def test_get_missing_account(self):
        code, body = yield self.request(b"/accounts/nobody")
        self.assertEqual((code, body), (404, {"error": "NotFound"}))

    @defer.inlineCallbacks
    def test_list_accounts(self):
        code, body = yield self.request(b"/accounts")
        self.assertEqual((code, body), (200, {"accounts": ["alice"]}))

    @defer.inlineCallbacks
    def test_create_account(self):
        code, body = yield self.request(
            b"/accounts", b"POST", {"name": "bob", "balance": 7}
        )
        self.assertEqual((code, body), (201, {"name": "bob", "balance": 7}))
        balance = yield self.handler.get_balance("bob")
        self.assertEqual(balance, 7)

    @defer.inlineCallbacks
    def test_create_duplicate(self):
        code, body = yield self.request(b"/accounts", b"POST", {"name": "alice"})
        self.assertEqual((code, body), (409, {"error": "AccountExists"}))

    @defer.inlineCallbacks
    def test_deposit(self):
        code, body = yield self.request(b"/accounts/alice", b"POST", {"amount": 5})
        self.assertEqual((code, body), (200, {"name": "alice", "balance": 105}))

    @defer.inlineCallbacks
    def test_deposit_bad_json(self):
        code, body = yield self.request(b"/accounts/alice", b"POST", b"{not json")
        self.assertEqual(code, 400)

    @defer.inlineCallbacks
    def test_close_account(self):
        code, body = yield self.request(b"/accounts/alice", b"DELETE")
        self.assertEqual((code, body), (200, {"closed": "alice", "balance": 100}))
        code, body = yield self.request(b"/accounts/alice")
        self.assertEqual(code, 404)

    @defer.inlineCallbacks
    def test_transfer(self):
        yield self.handler.create_account("bob", 0)
        code, body = yield self.request(
            b"/transfers", b"POST", {"src": "alice", "dst": "bob", "amount": 40}
        )
        self.assertEqual(code, 200)
        self.assertEqual(body, {"src": "alice", "dst": "bob", "remaining": 60})

    def test_transfer_insufficient_funds(self):
        d = self.handler.create_account("bob", 0)
        d.addCallback(
            lambda _: self.request(
                b"/transfers", b"POST", {"src": "bob", "dst": "alice", "amount": 1}
            )
        )
        d.addCallback(self.assertEqual, (409, {"error": "InsufficientFunds"}))
        return d
