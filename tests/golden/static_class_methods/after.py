from twisted.internet import defer


class Repo:
    @staticmethod
    async def normalise(value):
        v = await defer.succeed(value.strip())
        return v.lower()

    @classmethod
    async def build(cls, log, raw):
        name = await cls.normalise(raw)
        log.append(name)
        return cls.__name__ + ":" + name


def scenario(clock, log):
    return defer.ensureDeferred(Repo.build(log, "  Foo "))
