import unittest

from twisted.internet import defer


class PlainTests(unittest.TestCase):
    @defer.inlineCallbacks
    def test_value(self):
        value = yield defer.succeed(3)
        self.assertEqual(value, 3)
