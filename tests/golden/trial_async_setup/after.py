"""trial awaits coroutines from setUp, tearDown and test methods from Twisted 22.8."""
from twisted.internet import defer
from twisted.trial import unittest


class StoreTests(unittest.TestCase):
    async def setUp(self):
        self.items = await defer.succeed(["a", "b"])
        self.addCleanup(lambda *a, **kw: defer.ensureDeferred(self._drop_items(*a, **kw)))

    async def _drop_items(self):
        await defer.succeed(None)
        self.items = []

    async def tearDown(self):
        await defer.succeed(None)
        self.items = None

    async def test_items(self):
        count = await defer.succeed(len(self.items))
        self.assertEqual(count, 2)
