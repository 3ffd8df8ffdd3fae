"""Yields whose values span lines, with comments and continuation lines inside them."""
from twisted.internet import defer, task


def audit(log, *args):
    log.append(("audit",) + args)


def later(clock, value,
          delay=1):
    return task.deferLater(clock, delay, lambda: value)


@defer.inlineCallbacks
def gather(clock, log, fetcher, a,
           b):
    first = yield task.deferLater(
        clock,  # the clock
        1,
        lambda: a,
    )
    yield audit(
        log,
        first)
    second = yield (
        later(clock, b)
        if b else
        later(clock, a)
    )
    third = yield later(  # a comment after the parenthesis
        clock, a + b)
    fourth = yield later(clock,
                         a \
                         * b)
    fifth = yield fetcher(  # a callee nothing is known about
        clock,
        a)
    yield [
        1,  # a display with a comment
        2,
    ]
    log.append(("values", first, second, third, fourth, fifth))
    defer.returnValue(first + second + third + fourth + fifth)


def scenario(clock, log):
    return gather(clock, log, later, 2, 3)


def scenario_plain_fetcher(clock, log):
    return gather(clock, log, lambda clock, a: a * 10, 2, 3)
