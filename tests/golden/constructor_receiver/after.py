from twisted.internet import defer


class Sender:
    async def go(self):
        await defer.succeed(None)


class Receiver:
    async def go(self):
        await defer.succeed(None)


def send():
    return defer.ensureDeferred(Sender().go())
