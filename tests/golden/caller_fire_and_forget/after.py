"""A call statement starts the work at once; after conversion it must be wrapped to start."""
from twisted.internet import defer, task


async def audit(clock, log, what):
    log.append(("audit start", what))
    await task.deferLater(clock, 5, lambda: None)
    log.append(("audit done", what))


async def handle(clock, log, what):
    defer.ensureDeferred(audit(clock, log, what))
    log.append(("handled", what))
    await task.deferLater(clock, 1, lambda: None)
    log.append(("handle done", what))
    return what


def on_event(clock, log, what):
    defer.ensureDeferred(audit(clock, log, what))
    log.append(("event seen", what))


def scenario(clock, log):
    on_event(clock, log, "e1")
    return defer.ensureDeferred(handle(clock, log, "h1"))
