"""py-ipv8's shim (names Python 3.9-3.11 removed: oops_twisted calls collections.Callable),
and `defer._parseDListResult`, which Twisted renamed and txpkgupload's test fixture calls."""

import base64
import collections
import collections.abc
import inspect

if not hasattr(base64, "encodestring"):
    base64.encodestring = base64.encodebytes  # type: ignore[attr-defined]
    base64.decodestring = base64.decodebytes  # type: ignore[attr-defined]
for _name in ("Iterable", "Mapping", "MutableMapping", "Sequence", "Callable", "Set",
              "MutableSet"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
if not hasattr(inspect, "getargspec"):
    ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")

    def getargspec(func):  # type: ignore[no-untyped-def]
        spec = inspect.getfullargspec(func)
        return ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)

    inspect.getargspec = getargspec  # type: ignore[attr-defined]

try:
    from twisted.internet import defer as _defer

    if not hasattr(_defer, "_parseDListResult"):
        _defer._parseDListResult = _defer._parseDeferredListResult  # type: ignore[attr-defined]
except ImportError:
    pass
