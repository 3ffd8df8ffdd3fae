# Functions used as values anywhere, not only in assignments and call arguments: a parameter
# default (`serve=_serve_tcp`), a conditional (`a if tls else b`, `x or y`). Whoever calls them
# later (`serve(...).addCallback(...)`) is out of sight, so they keep their Deferred API.
from twisted.internet import defer


def _serve_tcp(port):
    return defer.ensureDeferred(__serve_tcp(port))


async def __serve_tcp(port):
    await defer.succeed(None)
    return ("tcp", port)


def _serve_tls(port):
    return defer.ensureDeferred(__serve_tls(port))


async def __serve_tls(port):
    await defer.succeed(None)
    return ("tls", port)


def _serve_unix(port):
    return defer.ensureDeferred(__serve_unix(port))


async def __serve_unix(port):
    await defer.succeed(None)
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
