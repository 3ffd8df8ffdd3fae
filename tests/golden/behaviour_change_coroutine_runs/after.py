# Before Twisted 24.7, `yield handler()` with an `async def handler` hands the coroutine back
# unrun: the handler never runs. The converted `await handler()` runs it. That fixes a latent
# bug but changes behaviour, so the TXA001 message says so.


async def handler(log):
    log.append("handled")
    return "done"


async def serve(log):
    r = await handler(log)
    log.append(("got", type(r).__name__))
