from twisted.internet import defer
from twisted.trial import unittest


class ValueTests(unittest.TestCase):
    @defer.inlineCallbacks
    def setUp(self):
        self.base = yield defer.succeed(1)

    @defer.inlineCallbacks
    def test_value(self):
        value = yield defer.succeed(self.base + 2)
        self.assertEqual(value, 3)
