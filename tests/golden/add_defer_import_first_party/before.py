"""With no other third-party import in the leading block, `defer` opens the third-party
section: after the standard library, before the relative imports, a blank line on each
side (as isort and ruff's `I` rules would have it)."""
import os
import sys

from .shared import describe

try:
    from twisted.internet.defer import inlineCallbacks
except ImportError:  # pragma: no cover
    raise


def start(log, d):
    return serve(log, d)


@inlineCallbacks
def serve(log, d):
    value = yield d
    log.append((value, os.sep, sys.maxsize > 0, describe))
