# Regression (property tests): form feeds, U+2028 and \x85 in comments and strings end a
# line for str.splitlines but not for Python. The facts once counted lines with it, so
# below such a character positions were a line off and `returnValue` calls were missed.
from twisted.internet import defer

# sectionbreak, line separator, nextline


async def fetch(d):
    label = "café ü"; value = await defer.maybeDeferred(lambda: d)
    return (label, value)


async def use(d):
    note = "é"; r = await fetch(d)  # 𝔘😀
    return r
