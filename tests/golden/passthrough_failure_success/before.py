"""A test double's `succeed(x)` of a stored answer, in a project whose tests store Failure
values: the answer may be a Failure, and `succeed` of one is a Deferred that fails. The
failure-in-succeed rule respells the call `maybeDeferred(lambda: x)` and the pass-through
awaits that; `return x` would hand the Failure out as a value."""
from twisted.internet import defer
from twisted.python.failure import Failure


class Missing(Exception):
    pass


class FakeStore:
    def __init__(self, answer):
        self.answer = answer

    def get(self):
        return defer.succeed(self.answer)


def scenario(clock, log):
    ok = FakeStore("v")
    bad = FakeStore(Failure(Missing("k")))
    d1 = ok.get()
    d1.addCallback(lambda v: log.append(("ok", v)))
    d2 = bad.get()
    d2.addCallbacks(lambda v: log.append(("bad value", v)),
                    lambda f: log.append(("bad", f.type.__name__)))
    return defer.gatherResults([d1, d2])
