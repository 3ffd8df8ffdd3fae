"""A call wrapped in `ensureDeferred` inside an f-string can push the line past the
limit; the string is split at a replacement field or a space into strings concatenated
implicitly (the same string: adjacent strings are one), never inside a field."""
from twisted.internet import defer


class Instance:
    name = "web-1"

    @defer.inlineCallbacks
    def _state(self):
        yield defer.succeed(None)
        return "running"

    def describe(self, reason):
        message = (
            f"{self.__class__.__name__} failed to stop its instance, the reason given "
            f"{self.name} ({type(self._state()).__name__}): {reason.decode()}, {reason!r} (again)"
        )
        return message


def scenario(clock, log):
    log.append(Instance().describe(b"timeout"))
    return defer.succeed(None)
