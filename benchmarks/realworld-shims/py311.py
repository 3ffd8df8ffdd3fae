"""Names Python 3.9-3.11 removed that code of 2019 still uses, put back for the real-world
runs of such projects only: each project's sitecustomize.py imports this module, and both
are copied into the project's archive (`_py311compat/`, on PYTHONPATH; see its entry in
realworld-extra.toml)."""

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
