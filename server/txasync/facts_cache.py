"""Per-file facts kept between runs, so a tree that changed in a few files parses only those.

A file's facts (`analysis.facts.extract_facts`) are a function of its text, its path, its
module name and whether it is a package, and of txasync's own code: nothing else goes in
(no configuration: the configuration is applied after facts, by the index and the planner,
and the results cache, check_cache.py, keys it). So an entry is keyed by a digest of
exactly those, and txasync's code is its source's digest (`code_digest`), not its version
number: a changed analysis never reads facts the old one made.

Entries are `.txasync/cache/facts/<key>`, one per file version, written atomically; an
unreadable, damaged or foreign entry is a miss and the file is parsed as if there were none.
They are pickles of `analysis.model` and `analysis.shapes` dataclasses, read back by an
unpickler that can build nothing else (`_Unpickler.find_class`): a planted entry can give
wrong facts for a file, as an edited source could, but cannot run code. The directory is
pruned when it holds far more entries than the runs use (`prune`).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import io
import os
import pickle
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from .analysis import model, shapes
from .analysis.evidence import EVIDENCE_DIR
from .analysis.model import ModuleFacts
from .fileio import write_cache_entry

FACTS_DIR = os.path.join(EVIDENCE_DIR, "cache", "facts")
FORMAT = 1
# Entries beyond this many times the files a run used (at least KEEP) are pruned, oldest
# first, down to twice that: editing a file leaves its old entry behind.
KEEP = 1000
PRUNE_AT = 4

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_ALLOWED_MODULES = {model.__name__: model, shapes.__name__: shapes}
# The two functions facts unpickle through besides their classes (`model.shared_ref`,
# `model.make_span`): each builds nothing but its own record.
_BUILDERS = {(model.__name__, f.__name__): f for f in (model.shared_ref, model.make_span)}


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of txasync's own source: any change to it (a development checkout edited
    without a new version number) is another key, for facts and for check's results."""
    digest = hashlib.blake2b(digest_size=16)
    for directory, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                digest.update(os.path.relpath(path, _PACKAGE).encode() + b"\0")
                try:
                    with open(path, "rb") as handle:
                        digest.update(handle.read())
                except OSError:
                    digest.update(b"unreadable")
    return digest.hexdigest()


def facts_dir(root: str) -> str:
    return os.path.join(root, FACTS_DIR)


def facts_key(text: str, path: str, module: str, is_package: bool) -> str:
    """The entry's name: everything `extract_facts` reads, and the code that reads it."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{FORMAT}\0{code_digest()}\0{module}\0{int(is_package)}\0".encode())
    digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class _Unpickler(pickle.Unpickler):
    """Builds only the facts' own dataclasses and enums; any other global is refused."""

    def find_class(self, module: str, name: str) -> Any:
        builder = _BUILDERS.get((module, name))
        if builder is not None:
            return builder
        if module in _ALLOWED_MODULES:
            found = getattr(_ALLOWED_MODULES[module], name, None)
            if isinstance(found, type) and (dataclasses.is_dataclass(found)
                                            or issubclass(found, enum.Enum)):
                return found
        raise pickle.UnpicklingError(f"not a facts class: {module}.{name}")


def load(root: str, key: str, path: str) -> ModuleFacts | None:
    """The facts stored under `key` for `path`, or None (missing, damaged, foreign)."""
    try:
        with open(os.path.join(facts_dir(root), key), "rb") as handle:
            facts = _Unpickler(io.BytesIO(handle.read())).load()
    except Exception:  # any damage at all is a miss: the file is parsed instead
        return None
    if not isinstance(facts, ModuleFacts) or facts.path != path:
        return None
    return facts


def dumps(facts: ModuleFacts) -> bytes | None:
    """`facts` as an entry holds them (None: they cannot be pickled)."""
    try:
        return pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, RecursionError, TypeError):
        return None


def store(root: str, key: str, facts: ModuleFacts, data: bytes | None = None) -> bool:
    """Keep `facts` under `key` (False when it cannot be written). `data`: the facts
    already pickled by `dumps` (a worker sends those same bytes back to its parent)."""
    directory = facts_dir(root)
    if data is None:
        data = dumps(facts)
        if data is None:
            return False
    try:
        write_cache_entry(os.path.dirname(directory), os.path.join(directory, key), data)
    except OSError:
        return False
    return True


def prune(root: str, used: Iterable[str]) -> None:
    """Remove entries no run needs when there are many more of them than files in use:
    the unused ones, oldest first."""
    keep = set(used)
    limit = max(len(keep), KEEP)
    directory = facts_dir(root)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    if len(names) <= PRUNE_AT * limit:
        return
    stale: list[tuple[int, str]] = []
    for name in names:
        if name in keep:
            continue
        try:
            stale.append((os.stat(os.path.join(directory, name)).st_mtime_ns, name))
        except OSError:
            continue
    stale.sort()
    for _, name in stale[:max(0, len(names) - 2 * limit)]:
        try:
            os.unlink(os.path.join(directory, name))
        except OSError:
            pass
