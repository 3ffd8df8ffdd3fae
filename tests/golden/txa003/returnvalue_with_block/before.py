from twisted.internet import defer


class Tracker:
    def __init__(self, log, name):
        self.log = log
        self.name = name

    def __enter__(self):
        self.log.append(("enter", self.name))
        return self

    def __exit__(self, *exc_info):
        self.log.append(("exit", self.name))
        return False


@defer.inlineCallbacks
def guarded(log, x):
    with Tracker(log, "outer"):
        y = yield defer.succeed(x + 1)
        with Tracker(log, "inner"):
            if y > 1:
                defer.returnValue(y * 10)
        log.append("after inner")
    defer.returnValue(y)


def scenario(clock, log):
    return defer.gatherResults([guarded(log, 0), guarded(log, 5)])
