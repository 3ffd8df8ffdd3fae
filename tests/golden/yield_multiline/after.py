"""Yields whose values span lines, with comments and continuation lines inside them."""
from twisted.internet import defer, task


def audit(log, *args):
    log.append(("audit",) + args)


def later(clock, value,
          delay=1):
    return task.deferLater(clock, delay, lambda: value)


async def gather(clock, log, fetcher, a,
                 b):
    first = await task.deferLater(
        clock,  # the clock
        1,
        lambda: a,
    )
    audit(
        log,
        first)
    second = await defer.maybeDeferred(lambda: (
        later(clock, b)
        if b else
        later(clock, a)
    ))
    third = await later(  # a comment after the parenthesis
        clock, a + b)
    fourth = await later(clock,
                         a \
                         * b)
    fifth = await defer.maybeDeferred(  # a callee nothing is known about
        fetcher,
        clock,
        a)
    [
        1,  # a display with a comment
        2,
    ]
    log.append(("values", first, second, third, fourth, fifth))
    return first + second + third + fourth + fifth


def scenario(clock, log):
    return defer.ensureDeferred(gather(clock, log, later, 2, 3))


def scenario_plain_fetcher(clock, log):
    return defer.ensureDeferred(gather(clock, log, lambda clock, a: a * 10, 2, 3))
