from pytest_twisted import inlineCallbacks
from twisted.internet import defer


@inlineCallbacks
def test_value():
    value = yield defer.succeed(1)
    assert value == 1
