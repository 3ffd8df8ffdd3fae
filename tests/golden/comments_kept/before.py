from twisted.internet import defer


# Fetches the user.
# Second line of the comment.
@defer.inlineCallbacks
def fetch_user(log, uid):  # trailing on def
    # before the first yield
    user = yield defer.succeed({"id": uid})  # trailing on yield

    # before returnValue
    log.append(user)
    defer.returnValue(user)  # trailing on returnValue
    # after the last statement


def scenario(clock, log):
    # comment in the caller
    return fetch_user(log, 7)  # trailing on the call
