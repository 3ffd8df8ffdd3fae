"""Yields inside a nested generator, a lambda or a class belong to those scopes."""
from twisted.internet import defer


async def with_nested(log):
    def numbers():
        yield 1
        yield 2

    class Helper:
        def items(self):
            yield "h"

    gen = lambda: (yield)  # noqa: E731
    total = 0
    for n in numbers():
        total += await defer.succeed(n)
    squares = [x * x for x in numbers()]
    log.append(("gen", type(gen()).__name__, list(Helper().items())))
    return (total, squares)


def scenario(clock, log):
    return defer.ensureDeferred(with_nested(log))
