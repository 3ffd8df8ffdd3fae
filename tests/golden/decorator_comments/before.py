from twisted.internet import defer


class Service:
    # A static helper.
    @staticmethod
    # Comment between the decorators.
    @defer.inlineCallbacks
    def helper(x):
        value = yield defer.succeed(x)
        return value

    # A class-level factory.
    @classmethod
    @defer.inlineCallbacks
    # Comment between the last decorator and the def.
    def create(cls):
        value = yield defer.succeed(cls.__name__)
        return value
