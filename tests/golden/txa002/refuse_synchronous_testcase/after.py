from twisted.internet import defer
from twisted.trial import unittest


class QuickTests(unittest.SynchronousTestCase):
    @defer.inlineCallbacks
    def test_value(self):
        value = yield defer.succeed(3)
        self.assertEqual(value, 3)
