"""`txasync check` on a tree where nothing changed: the last run's results, read back.

A check reads every file, parses it and analyses the workspace; when no input changed, the
answer is the one the last run gave. The key covers every input: txasync's version and
its source's digest (a development checkout changes without a new version), the
configuration, each file's path and bytes, the evidence and verdicts that `probe` and
`fix --verify` recorded, and every library file and directory a library lookup depended on
(`index.library_reads`, each with its mtime and size). Any change misses, and the run is
made afresh; a warm run reads and hashes the files but parses none.

One entry per project root (`.txasync/cache/check.json`), replaced by each run, so the cache
never grows. A result that would not survive the trip through JSON (a finding's data of
another type) is not stored. Writes are atomic; an unreadable or foreign entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import __version__
from .analysis.evidence import EVIDENCE_DIR, evidence_path
from .analysis.findings import Finding
from .analysis.model import Span
from .config import Config
from .facts_cache import code_digest
from .fileio import write_cache_entry

if TYPE_CHECKING:
    from .engine import Analysis

CACHE_DIR = os.path.join(EVIDENCE_DIR, "cache")
CACHE_FILE = "check.json"
FORMAT = 1


@dataclass
class CheckResult:
    """What `txasync check` reports: its findings, the files it could not read or parse
    (path -> message), how many files it read, the files edited since `probe`, and how
    many public functions keep their Deferred API."""

    findings: list[Finding]
    errors: dict[str, str]
    sources: int
    stale_evidence: list[str]
    public_kept: int
    analysis: Analysis | None = None  # when analysed in this run (never stored)


def cache_path(root: str) -> str:
    return os.path.join(root, CACHE_DIR, CACHE_FILE)


def _stat(path: str) -> list[int]:
    try:
        st = os.stat(path)
    except OSError:
        return [-1, -1]
    return [st.st_mtime_ns, st.st_size]


def inputs_key(files: Iterable[str], config: Config) -> str:
    """A digest of the run's own inputs: version, configuration, evidence, verdicts and
    every file's bytes (a file that cannot be read counts as such)."""
    from .verify.verdicts import verdicts_path

    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{FORMAT}\0{__version__}\0{code_digest()}\0{config!r}\0".encode())
    for extra in (evidence_path(config.root), verdicts_path(config.root)):
        digest.update(_file_digest(extra))
    for path in files:
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(_file_digest(path))
    return digest.hexdigest()


def _file_digest(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=20).digest()
    except OSError:
        return b"unreadable"


def load(root: str, key: str) -> CheckResult | None:
    """The stored result for `key`, if it is there and every library input is as it was."""
    try:
        with open(cache_path(root), encoding="utf-8") as handle:
            entry = json.load(handle)
        if entry.get("key") != key:
            return None
        if any(_stat(path) != list(stat) for path, stat in entry["library"]):
            return None
        return CheckResult(
            findings=[_finding(f) for f in entry["findings"]],
            errors=dict(entry["errors"]),
            sources=int(entry["sources"]),
            stale_evidence=list(entry["stale_evidence"]),
            public_kept=int(entry["public_kept"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing, damaged or of another format: analyse afresh


def store(root: str, key: str, result: CheckResult, library: Iterable[str]) -> bool:
    """Keep `result` for `key` (False when it cannot be stored faithfully or written)."""
    findings = [_finding_json(f) for f in result.findings]
    try:
        if [_finding(f) for f in json.loads(json.dumps(findings))] != result.findings or any(
                json.loads(json.dumps(f.data)) != f.data for f in result.findings):
            return False
    except (TypeError, ValueError):
        return False
    entry = {"format": FORMAT, "key": key, "findings": findings, "errors": result.errors,
             "sources": result.sources, "stale_evidence": result.stale_evidence,
             "public_kept": result.public_kept,
             "library": [[path, _stat(path)] for path in library]}
    target = cache_path(root)
    try:
        write_cache_entry(os.path.dirname(target), target, json.dumps(entry).encode("utf-8"))
    except OSError:
        return False
    return True


def _finding_json(f: Finding) -> dict[str, Any]:
    s = f.span
    return {"code": f.code, "path": f.path, "span": [s.line, s.col, s.end_line, s.end_col],
            "message": f.message, "severity": f.severity, "fix_safety": f.fix_safety,
            "function": f.function, "reason": f.reason, "data": f.data}


def _finding(raw: dict[str, Any]) -> Finding:
    return Finding(code=raw["code"], path=raw["path"], span=Span(*raw["span"]),
                   message=raw["message"], severity=raw["severity"],
                   fix_safety=raw["fix_safety"], function=raw["function"],
                   reason=raw["reason"], data=raw["data"])
