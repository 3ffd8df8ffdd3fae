"""The added `defer` import goes where isort would put it: in the twisted group, sorted,
never after the local (relative) imports."""
import os

from twisted.internet import defer
from twisted.internet.defer import succeed
from twisted.internet.task import deferLater

from .shared import describe


async def serve(log):
    value = await succeed(os.sep)
    log.append(describe(value))


def start(log):
    return defer.ensureDeferred(serve(log))


assert deferLater
