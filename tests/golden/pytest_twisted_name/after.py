import pytest_twisted
from twisted.internet import defer


@pytest_twisted.ensureDeferred
async def test_value():
    value = await defer.succeed(1)
    assert value == 1
