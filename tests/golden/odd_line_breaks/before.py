# Regression (property tests): form feeds, U+2028 and \x85 in comments and strings end a
# line for str.splitlines but not for Python. The facts once counted lines with it, so
# below such a character positions were a line off and `returnValue` calls were missed.
from twisted.internet import defer

# sectionbreak, line separator, nextline


@defer.inlineCallbacks
def fetch(d):
    label = "café ü"; value = yield d
    defer.returnValue((label, value))


@defer.inlineCallbacks
def use(d):
    note = "é"; r = yield fetch(d)  # 𝔘😀
    defer.returnValue(r)
