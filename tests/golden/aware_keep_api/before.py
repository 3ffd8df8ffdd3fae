# Where no statement can be written around the call, the callee keeps its Deferred API: a
# call on the same line as its `if` (or beside another statement), a call at module level
# (a new name there would be a module attribute), a result put in a tuple, a method
# looked up by a computed name whose result is put in a list.
from twisted.internet import defer


class Job:
    @defer.inlineCallbacks
    def run(self):
        yield defer.succeed(None)
        return "job"


class Task:
    @defer.inlineCallbacks
    def start(self):
        yield defer.succeed(None)
        return "task"


class Step:
    @defer.inlineCallbacks
    def go(self):
        yield defer.succeed(None)
        return "step"


def maybe(handler, really):
    if really: handler.run()


def later(thing):
    return thing.start(), "started"


class Table:
    @defer.inlineCallbacks
    def fetch(self):
        yield defer.succeed(None)
        return "row"

    def lookup(self, name):
        return [getattr(self, name)()]


HANDLERS = []
for handler in HANDLERS:
    handler.go()
