"""py-ipv8's shim (names Python 3.9-3.11 removed), and `random.sample` of a set, refused
since Python 3.11 (anydex 0.1.0); loaded from PYTHONPATH for the real-world runs only."""

import base64
import collections
import collections.abc
import inspect
import random

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

_sample = random.sample


def _sample_any(population, k, **kw):  # type: ignore[no-untyped-def]
    if isinstance(population, (set, frozenset)):
        population = tuple(population)
    return _sample(population, k, **kw)


random.sample = _sample_any
