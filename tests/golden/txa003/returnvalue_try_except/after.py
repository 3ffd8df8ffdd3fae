"""returnValue inside `try` with `except Exception`: _DefGen_Return is a BaseException, so
the handler never saw it; a plain `return` is not caught either."""
from twisted.internet import defer


class NotFound(Exception):
    pass


def lookup(key):
    if key == "missing":
        return defer.fail(NotFound(key))
    return defer.succeed(key * 2)


async def safe_get(log, key):
    try:
        value = await lookup(key)
        log.append(("found", key))
        return value
    except NotFound as e:
        log.append(("missing", e.args))
        return None
    except Exception:
        log.append(("other", key))
        raise
    finally:
        log.append(("finally", key))


def scenario(clock, log):
    return defer.gatherResults(
        [defer.ensureDeferred(safe_get(log, "a")), defer.ensureDeferred(safe_get(log, "missing"))]
    )


def scenario_error(clock, log):
    return defer.ensureDeferred(safe_get(log, None))
