"""The added `defer` import goes where isort would put it: in the twisted group, sorted,
never after the local (relative) imports."""
import os

from twisted.internet.defer import inlineCallbacks, succeed
from twisted.internet.task import deferLater

from .shared import describe


@inlineCallbacks
def serve(log):
    value = yield succeed(os.sep)
    log.append(describe(value))


def start(log):
    return serve(log)


assert deferLater
