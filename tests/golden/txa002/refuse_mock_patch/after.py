# `mock.patch` on an inlineCallbacks function lasts while the decorated call runs: below the
# decorator only while the generator is created (the body runs unpatched), above it only up
# to the first wait on a Deferred. On an `async def` it would last the whole body: converting
# changes what the code sees, so both are refused with that reason.
import os
from unittest import mock

from twisted.internet import defer
from twisted.trial import unittest


class PatchedTests(unittest.TestCase):
    @defer.inlineCallbacks
    @mock.patch("os.getcwd", return_value="patched")
    def test_below(self, getcwd):
        yield defer.succeed(None)
        self.assertEqual(os.getcwd(), "patched")

    @mock.patch.object(os, "getcwd", return_value="patched")
    @defer.inlineCallbacks
    def test_above(self, getcwd):
        yield defer.succeed(None)
        self.assertEqual(os.getcwd(), "patched")

    async def test_patch_in_the_body(self):
        with mock.patch("os.getcwd", return_value="patched"):
            await defer.succeed(None)
            self.assertEqual(os.getcwd(), "patched")
