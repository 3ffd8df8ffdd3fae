"""Runtime evidence from the project's own test run (`txasync probe`), read back for planning.

Static analysis cannot tell whether `x = yield self.cache.lookup(k)` yields a Deferred or a
plain value, so such a yield becomes the conservative `await defer.maybeDeferred(...)`. The
probe records what each yield really saw while the project's tests ran; this module answers
the planner's and the editor's questions from that record. Evidence is not proof (a test run
covers some paths), so it may only move a yield from "maybe" to "await" when every value seen
was awaitable the same way after conversion, and only for files whose source still hashes to
what ran (`stale_files`).

File: `<root>/.txasync/evidence.json`, JSON, `"format": "txasync-evidence"`, `"version": 1`::

    {"format": "txasync-evidence", "version": 1, "created": "2025-01-01T00:00:00Z",
     "command": [...], "exit_code": 0, "processes": 3,
     "python": ["3.11.7"], "twisted": ["26.10.0"], "warnings": [],
     "files": {"pkg/mod.py": {            # posix path relative to <root>
        "sha256": "...",                  # of the source the evidence describes (source_sha256)
        "functions": {"Store.get": {      # module-relative qualname, as txasync's facts
            "line": 12,                   # the `def` line (0 when only seen at run time)
            "static": true,               # txasync's facts know it as inlineCallbacks
            "calls": 4, "unconsumed": 0,  # Deferreds returned / never consumed by anything
            "yields": [{"line": 13, "col": 16, "count": 4, "static": true,
                        "kinds": {"Deferred": 3, "int": 1}}],
            "consumers": [{"path": "pkg/api.py", "module": null, "line": 40,
                           "what": "Deferred.addCallback", "count": 1}]}}}}}

Yield kinds: "Deferred" (any Deferred subclass), "coroutine", "generator", "None", else the
type's qualified name ("int", "dict", "pkg.cache.Entry"; builtins without a module). A yield
with count 0 is known statically but never ran. Consumer `what`: "yield" (an inlineCallbacks
generator yielded it), "await" (a coroutine Twisted drives awaited it), "callback-result" (a
callback returned it, so Twisted chained it; `line` is the callback's def), "Deferred.cancel",
the outermost `twisted.internet.defer` function otherwise ("Deferred.addCallback",
"gatherResults", "DeferredList.__init__"), or the Twisted API the project handed it to
("twisted.trial._synctest._Assertions.assertFailure"). `path` is null for a consumer outside
the project; then `module` names it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal

FORMAT = "txasync-evidence"
VERSION = 1
EVIDENCE_DIR = ".txasync"
EVIDENCE_FILE = "evidence.json"

# Kinds that `await` handles as the yield did: a Deferred always; a coroutine only where
# inlineCallbacks awaited it too (Twisted 24.7+; before, `yield coro` handed back the object).
AWAITED_BY_YIELD = frozenset({"Deferred"})
COROUTINES_AWAITED_SINCE = (24, 7)
# Consumers that keep working when the function returns a coroutine.
AWAITING_CONSUMERS = frozenset({"yield", "await"})

_log = logging.getLogger(__name__)

YieldVerdict = Literal["awaitable", "plain", "mixed", "unknown"]


class EvidenceError(ValueError):
    """The evidence file exists but cannot be used; the message says why, in one line."""


def source_sha256(text: str) -> str:
    """The per-file hash evidence keeps: decoded text, newlines normalised, as UTF-8.

    Text rather than bytes so an unsaved editor buffer compares equal to the file it came
    from; must stay identical to `txasync.probe._runtime.source_sha256`.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def evidence_path(root: str) -> str:
    return os.path.join(root, EVIDENCE_DIR, EVIDENCE_FILE)


def awaitable_kinds(twisted_version: tuple[int, int]) -> frozenset[str]:
    """The yielded kinds for which `await x` behaves as `yield x` did on every supported Twisted.

    `twisted_version` is the project's oldest supported release (Config.twisted_version).
    """
    if twisted_version >= COROUTINES_AWAITED_SINCE:
        return AWAITED_BY_YIELD | {"coroutine"}
    return AWAITED_BY_YIELD


def yield_verdict(kinds: frozenset[str] | None, twisted_version: tuple[int, int]
                  ) -> YieldVerdict:
    """What the evidence says about one yield: only awaitables, only plain values, both, or
    nothing (never ran, or no evidence)."""
    if not kinds:
        return "unknown"
    awaitable = awaitable_kinds(twisted_version)
    if kinds <= awaitable:
        return "awaitable"
    if kinds.isdisjoint(awaitable):
        return "plain"
    return "mixed"


class Evidence:
    """One evidence file, indexed for lookups by path (absolute or root-relative)."""

    def __init__(self, root: str, data: Mapping[str, Any]) -> None:
        self.root = os.path.abspath(root)
        self.data = data
        self.created: str = str(data.get("created", ""))
        self.command: list[str] = list(data.get("command", []))
        self.exit_code: int | None = data.get("exit_code")
        self.twisted_versions: tuple[str, ...] = tuple(data.get("twisted", []))
        self.python_versions: tuple[str, ...] = tuple(data.get("python", []))
        self.warnings: tuple[str, ...] = tuple(data.get("warnings", []))
        self._files: dict[str, Mapping[str, Any]] = dict(data.get("files", {}))
        self._yields: dict[str, dict[tuple[int, int], frozenset[str]]] = {}
        for rel, entry in self._files.items():
            sites: dict[tuple[int, int], frozenset[str]] = {}
            for fn in entry.get("functions", {}).values():
                for y in fn.get("yields", []):
                    if y.get("count", 0) > 0 and y.get("col", -1) >= 0:
                        key = (int(y["line"]), int(y["col"]))
                        sites[key] = sites.get(key, frozenset()) | frozenset(y["kinds"])
            self._yields[rel] = sites

    # -- paths ---------------------------------------------------------------------------
    def rel(self, path: str) -> str:
        """The key evidence uses for a path: posix, relative to the root."""
        if os.path.isabs(path):
            path = os.path.relpath(path, self.root)
        return path.replace(os.sep, "/")

    def _abs(self, rel: str) -> str:
        return os.path.normpath(os.path.join(self.root, rel))

    def files(self) -> list[str]:
        """Absolute paths of every file the evidence describes."""
        return sorted(self._abs(rel) for rel in self._files)

    def function(self, path: str, qualname: str) -> Mapping[str, Any] | None:
        entry = self._files.get(self.rel(path))
        if entry is None:
            return None
        fn: Mapping[str, Any] | None = entry.get("functions", {}).get(qualname)
        return fn

    # -- questions -----------------------------------------------------------------------
    def yield_kinds(self, path: str, line: int, col: int) -> frozenset[str] | None:
        """Kinds of value the `yield` starting at (1-based line, 0-based character column)
        produced during the run; None when it never ran or the file has no evidence."""
        sites = self._yields.get(self.rel(path))
        if sites is None:
            return None
        return sites.get((line, col))

    def ran(self, path: str, qualname: str) -> bool | None:
        """Whether the inlineCallbacks function was called during the run (None: unknown)."""
        fn = self.function(path, qualname)
        if fn is None:
            return None
        return int(fn.get("calls", 0)) > 0

    def consumed_as_deferred(self, path: str, qualname: str) -> list[tuple[str, int, str]]:
        """Where the returned Deferred was used as a Deferred (methods, DeferredList, chained
        from a callback, handed to a Twisted API): `(path, line, what)`, path absolute for
        project files and `<module>` outside the project. Immediate yields and awaits, which
        keep working on a coroutine, are left out."""
        fn = self.function(path, qualname)
        if fn is None:
            return []
        found: list[tuple[str, int, str]] = []
        for consumer in fn.get("consumers", []):
            if consumer["what"] in AWAITING_CONSUMERS:
                continue
            where = (self._abs(consumer["path"]) if consumer.get("path")
                     else f"<{consumer.get('module') or '?'}>")
            found.append((where, int(consumer.get("line", 0)), str(consumer["what"])))
        return found

    def unconsumed(self, path: str, qualname: str) -> int | None:
        """How many returned Deferreds nothing consumed (fire-and-forget calls)."""
        fn = self.function(path, qualname)
        if fn is None:
            return None
        return int(fn.get("unconsumed", 0))

    def stale_files(self, current_sources: Mapping[str, str]) -> list[str]:
        """The given paths whose text no longer hashes to what the evidence describes."""
        stale = []
        for path, text in current_sources.items():
            entry = self._files.get(self.rel(path))
            if entry is not None and entry.get("sha256") != source_sha256(text):
                stale.append(path)
        return stale

    def without(self, paths: Iterable[str]) -> Evidence:
        """The same evidence minus some files (typically `stale_files(...)`)."""
        drop = {self.rel(p) for p in paths}
        data = dict(self.data)
        data["files"] = {k: v for k, v in self._files.items() if k not in drop}
        return Evidence(self.root, data)


def parse_evidence(root: str, text: str) -> Evidence:
    """Evidence from the file's text; EvidenceError when it is not usable evidence."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise EvidenceError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EvidenceError("not a txasync evidence file")
    if data.get("version") != VERSION:
        raise EvidenceError(f"evidence format version {data.get('version')!r} is not "
                            f"supported (expected {VERSION}); run `txasync probe` again")
    if not isinstance(data.get("files"), dict):
        raise EvidenceError("no `files` table")
    return Evidence(root, data)


def load_evidence(root: str, strict: bool = False) -> Evidence | None:
    """The evidence in `<root>/.txasync/evidence.json`, None when there is none.

    An unreadable or foreign file also gives None (logged) so an editor keeps working;
    `strict=True` raises EvidenceError instead, for a command that should say why.
    """
    path = evidence_path(root)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if strict:
            raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None
        _log.warning("%s: cannot read: %s", path, exc)
        return None
    try:
        return parse_evidence(root, text)
    except EvidenceError as exc:
        if strict:
            raise EvidenceError(f"{path}: {exc}") from None
        _log.warning("%s: %s", path, exc)
        return None
