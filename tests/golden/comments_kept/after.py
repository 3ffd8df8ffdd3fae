from twisted.internet import defer


# Fetches the user.
# Second line of the comment.
async def fetch_user(log, uid):  # trailing on def
    # before the first yield
    user = await defer.succeed({"id": uid})  # trailing on yield

    # before returnValue
    log.append(user)
    return user  # trailing on returnValue
    # after the last statement


def scenario(clock, log):
    # comment in the caller
    return defer.ensureDeferred(fetch_user(log, 7))  # trailing on the call
