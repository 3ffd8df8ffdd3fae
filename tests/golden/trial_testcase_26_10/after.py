from twisted.internet import defer
from twisted.trial import unittest


class ValueTests(unittest.TestCase):
    async def test_value(self):
        value = await defer.succeed(3)
        self.assertEqual(value, 3)

    async def test_failure(self):
        d = defer.fail(ValueError("boom"))
        await self.assertFailure(d, ValueError)
