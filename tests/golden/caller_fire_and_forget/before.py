"""A call statement starts the work at once; after conversion it must be wrapped to start."""
from twisted.internet import defer, task


@defer.inlineCallbacks
def audit(clock, log, what):
    log.append(("audit start", what))
    yield task.deferLater(clock, 5, lambda: None)
    log.append(("audit done", what))


@defer.inlineCallbacks
def handle(clock, log, what):
    audit(clock, log, what)
    log.append(("handled", what))
    yield task.deferLater(clock, 1, lambda: None)
    log.append(("handle done", what))
    defer.returnValue(what)


def on_event(clock, log, what):
    audit(clock, log, what)
    log.append(("event seen", what))


def scenario(clock, log):
    on_event(clock, log, "e1")
    return handle(clock, log, "h1")
