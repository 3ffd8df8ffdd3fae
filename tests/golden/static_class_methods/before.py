from twisted.internet import defer
from twisted.internet.defer import inlineCallbacks, returnValue


class Repo:
    @staticmethod
    @inlineCallbacks
    def normalise(value):
        v = yield defer.succeed(value.strip())
        returnValue(v.lower())

    @classmethod
    @defer.inlineCallbacks
    def build(cls, log, raw):
        name = yield cls.normalise(raw)
        log.append(name)
        returnValue(cls.__name__ + ":" + name)


def scenario(clock, log):
    return Repo.build(log, "  Foo ")
