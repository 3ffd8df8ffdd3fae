"""Yielded values that must be evaluated in the converted function itself, not in a
`lambda:` of their own that `maybeDeferred` calls: an assignment expression (in a lambda it
binds there and leaves the function's `pending` unbound: NameError) and `super()` (in a
lambda it has no first argument: RuntimeError). They become the default of
`lambda value=...: value`, which is evaluated where the lambda is written."""
from twisted.internet import defer, task


class Queue:
    def __init__(self, clock, log):
        self.clock = clock
        self.log = log

    def get(self, timeout):
        self.log.append(("get", timeout))
        return task.deferLater(self.clock, timeout, lambda: "message")

    def __getitem__(self, index):
        return "item %d" % index


class Client:
    def __init__(self, clock, log):
        self.clock = clock
        self.log = log

    def connect(self):
        return task.deferLater(self.clock, 1, lambda: "ready")

    def queue(self, tag):
        self.log.append(("queue", tag))
        return task.deferLater(self.clock, 1, Queue, self.clock, self.log)


class Base:
    def __init__(self, clock):
        self._ready = [task.deferLater(clock, 2, lambda: "base ready")]

    @property
    def ready(self):
        return self._ready


class Consumer(Base):
    async def walrus(self, client, log):
        got = await defer.maybeDeferred(lambda value=(pending := client.connect()): value)
        log.append((got, pending.called))
        return got

    async def base_value(self, log):
        value = await defer.maybeDeferred(lambda value=super().ready[0]: value)
        log.append(value)
        return value


def scenario_walrus(clock, log):
    return defer.ensureDeferred(Consumer(clock).walrus(Client(clock, log), log))


def scenario_super(clock, log):
    return defer.ensureDeferred(Consumer(clock).base_value(log))
