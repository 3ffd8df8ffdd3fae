from twisted.internet import defer


class Service:
    # A static helper.
    @staticmethod
    # Comment between the decorators.
    async def helper(x):
        value = await defer.succeed(x)
        return value

    # A class-level factory.
    @classmethod
    # Comment between the last decorator and the def.
    async def create(cls):
        value = await defer.succeed(cls.__name__)
        return value
