from twisted.internet.defer import inlineCallbacks as ic, succeed


@ic
def double(log, x):
    y = yield succeed(x)
    log.append(y)
    return y * 2


def scenario(clock, log):
    return double(log, 4)
