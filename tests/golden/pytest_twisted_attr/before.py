import pytest_twisted
from twisted.internet import defer


@pytest_twisted.inlineCallbacks
def test_value():
    value = yield defer.succeed(3)
    assert value == 3
