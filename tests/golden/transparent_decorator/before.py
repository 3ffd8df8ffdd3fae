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
    @defer.inlineCallbacks
    def test_x(self):
        yield defer.succeed(1)
