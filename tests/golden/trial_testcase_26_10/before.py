from twisted.internet import defer
from twisted.trial import unittest


class ValueTests(unittest.TestCase):
    @defer.inlineCallbacks
    def test_value(self):
        value = yield defer.succeed(3)
        self.assertEqual(value, 3)

    @defer.inlineCallbacks
    def test_failure(self):
        d = defer.fail(ValueError("boom"))
        yield self.assertFailure(d, ValueError)
