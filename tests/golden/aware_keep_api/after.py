# Where no statement can be written around the call, the callee keeps its Deferred API: a
# call on the same line as its `if` (or beside another statement), a call at module level
# (a new name there would be a module attribute), a result put in a tuple, a method
# looked up by a computed name whose result is put in a list.
from twisted.internet import defer


class Job:
    def run(self):
        return defer.ensureDeferred(self.__run())

    async def __run(self):
        await defer.succeed(None)
        return "job"


class Task:
    def start(self):
        return defer.ensureDeferred(self.__start())

    async def __start(self):
        await defer.succeed(None)
        return "task"


class Step:
    def go(self):
        return defer.ensureDeferred(self.__go())

    async def __go(self):
        await defer.succeed(None)
        return "step"


def maybe(handler, really):
    if really: handler.run()


def later(thing):
    return thing.start(), "started"


class Table:
    def fetch(self):
        return defer.ensureDeferred(self.__fetch())

    async def __fetch(self):
        await defer.succeed(None)
        return "row"

    def lookup(self, name):
        return [getattr(self, name)()]


HANDLERS = []
for handler in HANDLERS:
    handler.go()
