"""trial awaits coroutines from setUp, tearDown and test methods from Twisted 22.8."""
from twisted.internet import defer
from twisted.trial import unittest


class StoreTests(unittest.TestCase):
    @defer.inlineCallbacks
    def setUp(self):
        self.items = yield defer.succeed(["a", "b"])
        self.addCleanup(self._drop_items)

    @defer.inlineCallbacks
    def _drop_items(self):
        yield defer.succeed(None)
        self.items = []

    @defer.inlineCallbacks
    def tearDown(self):
        yield defer.succeed(None)
        self.items = None

    @defer.inlineCallbacks
    def test_items(self):
        count = yield defer.succeed(len(self.items))
        self.assertEqual(count, 2)
