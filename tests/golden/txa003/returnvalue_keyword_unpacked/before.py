# Regression (property tests): `returnValue(val=x)` converted the function but kept the call
# in the `async def`. The keyword form is one value, a `return x`; `*`/`**` forms pass a count
# only known at run time, so their function is refused.
from twisted.internet import defer


@defer.inlineCallbacks
def by_keyword(d):
    x = yield d
    defer.returnValue(val=x)


@defer.inlineCallbacks
def unpacked(d):
    x = yield d
    defer.returnValue(*x)


@defer.inlineCallbacks
def keywords(d):
    x = yield d
    defer.returnValue(**x)
