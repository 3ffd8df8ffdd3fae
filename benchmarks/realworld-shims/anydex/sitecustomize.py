"""The names Python 3.9-3.11 removed (py311.py), and `random.sample` of a set, refused since
Python 3.11 (anydex 0.1.0)."""

import random

import py311  # noqa: F401

_sample = random.sample


def _sample_any(population, k, **kw):  # type: ignore[no-untyped-def]
    if isinstance(population, (set, frozenset)):
        population = tuple(population)
    return _sample(population, k, **kw)


random.sample = _sample_any
