# Functions used as values anywhere, not only in assignments and call arguments: a parameter
# default (`serve=_serve_tcp`), a conditional (`a if tls else b`, `x or y`). Whoever calls them
# later (`serve(...).addCallback(...)`) is out of sight, so they keep their Deferred API.
from twisted.internet import defer


@defer.inlineCallbacks
def _serve_tcp(port):
    yield defer.succeed(None)
    return ("tcp", port)


@defer.inlineCallbacks
def _serve_tls(port):
    yield defer.succeed(None)
    return ("tls", port)


@defer.inlineCallbacks
def _serve_unix(port):
    yield defer.succeed(None)
    return ("unix", port)


def forever(port, log, serve=_serve_tcp):
    d = serve(port)
    d.addCallback(log.append)
    return d


def pick(tls, unix=False):
    return _serve_tls if tls else (unix and _serve_unix or _serve_tcp)


def scenario(clock, log):
    d = forever(1, log)
    d.addCallback(lambda _: pick(True)(2).addCallback(log.append))
    d.addCallback(lambda _: pick(False, True)(3).addCallback(log.append))
    return d
