"""A yield inside the yield (txAMQP: `yield ((yield client.queue(tag)).get(timeout=5))`):
the inner one becomes an `await`, which cannot stand in the `lambda:` that `maybeDeferred`
calls for the outer one. A call keeps the call form, its callee evaluated in the function
(`maybeDeferred((await ...).get, timeout=5)`); any other value becomes the default of
`lambda value=...: value`, evaluated in the function too."""
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
        self.d = task.deferLater(clock, 1, lambda: "ready")

    def queue(self, tag):
        self.log.append(("queue", tag))
        return task.deferLater(self.clock, 1, Queue, self.clock, self.log)


class Consumer:
    async def nested_call(self, client, log):
        msg = await defer.maybeDeferred((await defer.maybeDeferred(client.queue, 1)).get, timeout=5)
        log.append(msg)
        return msg

    async def nested_subscript(self, client, log):
        item = await defer.maybeDeferred(
            lambda value=(await defer.maybeDeferred(client.queue, 2))[3]: value
        )
        log.append(item)
        return item


def scenario_nested_call(clock, log):
    return defer.ensureDeferred(Consumer().nested_call(Client(clock, log), log))


def scenario_nested_subscript(clock, log):
    return defer.ensureDeferred(Consumer().nested_subscript(Client(clock, log), log))
