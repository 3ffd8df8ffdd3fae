"""The names Python 3.9-3.11 removed (py311.py: oops_twisted calls collections.Callable), and
`defer._parseDListResult`, which Twisted renamed and txpkgupload's test fixture calls."""

import py311  # noqa: F401

try:
    from twisted.internet import defer as _defer

    if not hasattr(_defer, "_parseDListResult"):
        _defer._parseDListResult = _defer._parseDeferredListResult  # type: ignore[attr-defined]
except ImportError:
    pass
