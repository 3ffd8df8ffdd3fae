from twisted.internet import defer


class CommandBase:
    def command_complete(self, failure):
        d = self.protocol_complete(failure)
        d.addErrback(print)
        return d


class CommandPb(CommandBase):
    @defer.inlineCallbacks
    def protocol_complete(self, failure):
        yield defer.succeed(None)
        return failure


class CommandMsg(CommandBase):
    @defer.inlineCallbacks
    def protocol_complete(self, failure):
        yield defer.succeed(None)
        return failure
