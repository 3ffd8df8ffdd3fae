from twisted.internet import defer


class CommandBase:
    def command_complete(self, failure):
        d = defer.ensureDeferred(self.protocol_complete(failure))
        d.addErrback(print)
        return d


class CommandPb(CommandBase):
    async def protocol_complete(self, failure):
        await defer.succeed(None)
        return failure


class CommandMsg(CommandBase):
    async def protocol_complete(self, failure):
        await defer.succeed(None)
        return failure
