from twisted.internet import defer
import pytest_twisted


@pytest_twisted.ensureDeferred
async def test_value():
    value = await defer.succeed(1)
    assert value == 1
