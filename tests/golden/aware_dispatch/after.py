# Call sites whose callee may be a coroutine function, a Deferred-returning or a plain one
# alike: a dispatcher over untyped handlers (`w.run()` as a statement), a lookup returning
# whatever the handler gives (`return ...run()`), a result kept for later (`pending =
# ...run()`), a base-class call that may reach a plain sibling override, a method looked up
# by a computed name, and a method a test double replaces. Each such statement becomes
# `result = ...; if inspect.iscoroutine(result): ensureDeferred(result)`, the same at run time
# for a Deferred, a plain value or a coroutine, so the callees convert to plain `async def`
# instead of keeping a Deferred API. A dispatcher that already checks (`isawaitable`, then
# `await`) is left as it is.
import inspect

from twisted.internet import defer, task


class Job:
    def __init__(self, clock, log, name):
        self.clock, self.log, self.name = clock, log, name

    async def run(self):
        self.log.append(("start", self.name))
        await task.deferLater(self.clock, 1, lambda: None)
        self.log.append(("done", self.name))
        return self.name


class PlainJob:
    def __init__(self, log):
        self.log = log

    def run(self):
        self.log.append(("plain", "ran"))
        return "plain"


class Registry:
    def __init__(self):
        self.handlers = {}

    def emit(self, key):
        for handler in self.handlers[key]:
            result = handler.run()  # started, never waited on
            if inspect.iscoroutine(result):
                defer.ensureDeferred(result)

    def first(self, key):
        result = self.handlers[key][0].run()
        if inspect.iscoroutine(result):
            result = defer.ensureDeferred(result)
        return result

    def collect(self, key):
        pending = self.handlers[key][0].run()
        if inspect.iscoroutine(pending):
            pending = defer.ensureDeferred(pending)
        return [pending]


class Base:
    def __init__(self, log):
        self.log = log

    def poke(self):
        self.log.append(("poke", "base"))
        return "base"

    def kick(self):
        result = self.poke()
        if inspect.iscoroutine(result):
            defer.ensureDeferred(result)


class Child(Base):
    async def poke(self):
        await defer.succeed(None)
        self.log.append(("poke", "child"))


class Checked:
    async def handle(self, value):
        await defer.succeed(None)
        return value * 2

    async def dispatch(self, name, value):
        result = getattr(self, name)(value)
        if inspect.isawaitable(result):
            result = await result
        return result


class Router:
    def __init__(self, log):
        self.log = log

    async def on_ping(self):
        await defer.succeed(None)
        self.log.append(("router", "ping"))
        return "pong"

    def route(self, kind):
        result = getattr(self, "on_" + kind)()
        if inspect.iscoroutine(result):
            result = defer.ensureDeferred(result)
        return result


def scenario(clock, log):
    registry = Registry()
    registry.handlers["a"] = [Job(clock, log, "j1"), PlainJob(log)]
    registry.handlers["b"] = [PlainJob(log)]
    registry.emit("a")
    log.append(("first b", registry.first("b")))
    log.append(("collect b", registry.collect("b")))
    Base(log).kick()
    Child(log).kick()
    d = registry.first("a")

    def more(name):
        log.append(("first a", name))
        return defer.ensureDeferred(Checked().dispatch("handle", 21))

    d.addCallback(more)
    d.addCallback(lambda doubled: log.append(("doubled", doubled)))
    d.addCallback(lambda _: Router(log).route("ping"))
    clock.advance(1)
    clock.advance(1)
    return d


def scenario_double(clock, log):
    registry = Registry()
    job = Job(clock, log, "double")
    job.run = lambda: log.append(("double", "ran"))
    registry.handlers["d"] = [job]
    registry.emit("d")
    return defer.succeed(registry.first("d"))
