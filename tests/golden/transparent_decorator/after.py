from twisted.internet import defer
import sys


def skipUnlessPlatformIs(platform):
    def closure(test):
        if sys.platform != platform:
            test.skip = "wrong platform"
        return test
    return closure


def plain(f):
    return f


class T:
    @skipUnlessPlatformIs("win32")
    @plain
    async def test_x(self):
        await defer.succeed(1)
