# A test double's `succeed(x)` of a stored value may succeed with a Failure when the tests
# store Failure values (they do here): TXA014 respells it `maybeDeferred(lambda: x)`. A
# local only ever bound to values that are never a Failure (a string it builds, a range's
# loop variable, a Mock made without a spec, `object()`) is left as it is.
from unittest.mock import Mock

from twisted.internet import defer
from twisted.python.failure import Failure


class FakeProtocol:
    def __init__(self, answers):
        self.answers = answers

    def get_info_raw(self, keys):
        ans = "\r\n".join("%s=" % k for k in keys.split())
        return defer.succeed(ans)

    def queue(self):
        return [defer.succeed(i) for i in range(2)] + self.loop()

    def loop(self):
        ds = []
        for i in range(2):
            ds.append(defer.succeed(i * 10))
        return ds

    def response(self):
        resp = Mock()
        resp.code = 200
        return Mock(return_value=defer.succeed(resp))()

    def sentinel(self):
        gold = object()
        return defer.succeed(gold)

    def next_answer(self):
        return defer.succeed(self.answers.pop(0))


@defer.inlineCallbacks
def ask(proto, log):
    log.append((yield proto.get_info_raw("a b")))
    log.append((yield defer.gatherResults(proto.loop())))
    log.append((yield proto.response()).code)
    log.append(type((yield proto.sentinel())).__name__)
    try:
        log.append((yield proto.next_answer()))
    except KeyError as e:
        log.append(("error", repr(e)))


def scenario(clock, log):
    return ask(FakeProtocol([Failure(KeyError("x"))]), log)
