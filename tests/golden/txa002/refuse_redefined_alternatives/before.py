# Regression (property tests): two definitions of one name, as `if`/`else` or
# `try`/`except ImportError` alternatives, were rewritten as one: the plain alternative became
# `async def` too and the inlineCallbacks one kept its decorator and `returnValue`. Callers get
# whichever definition ran, so neither is converted, and a yield of the name is not trusted to
# be a Deferred.
from twisted.internet import defer

PY3 = True

if PY3:
    @defer.inlineCallbacks
    def fetch(d):
        x = yield d
        defer.returnValue(x)
else:
    def fetch(d):
        return d

try:
    from json import loads
except ImportError:
    @defer.inlineCallbacks
    def loads(text):
        yield None
        defer.returnValue(text)


@defer.inlineCallbacks
def use(d):
    x = yield fetch(d)
    defer.returnValue(x)
