"""Merging the per-process fragments of a probe run into one evidence document.

Runs in the parent (`txasync probe`), after the test command ended. Only here is txasync's
static analysis available, so this is where runtime records meet the facts: each recorded
yield is matched to the yield txasync knows at that position (by line and column, or by line
when it is the only yield there), every inlineCallbacks function of the tree is listed (the
ones no test called get `calls: 0`), and each file gets the hash of the source that ran.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..analysis.evidence import FORMAT, VERSION, source_sha256
from ..analysis.model import FunctionFact, ModuleFacts
from ..config import Config, ConfigError, load_config
from ..engine import discover, load_project


@dataclass
class _Yield:
    line: int
    col: int
    static: bool
    count: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


@dataclass
class _Function:
    line: int = 0
    static: bool = False
    calls: int = 0
    consumed: int = 0
    yields: dict[tuple[int, int], _Yield] = field(default_factory=dict)
    consumers: Counter[tuple[str | None, str | None, int, str]] = field(
        default_factory=Counter)


def read_fragments(directory: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every fragment written into `directory`, and one warning per unreadable one."""
    fragments: list[dict[str, Any]] = []
    warnings: list[str] = []
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        return [], [f"cannot list the probe's fragments: {exc}"]
    for name in names:
        if not (name.startswith("fragment-") and name.endswith(".json")):
            continue
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                fragments.append(json.load(handle))
        except (OSError, ValueError) as exc:
            warnings.append(f"unreadable probe fragment {name}: {exc}")
    return fragments, warnings


def _config(root: str) -> Config:
    try:
        return load_config(root)
    except ConfigError:
        return Config(root=root)


# Below this many files a process pool costs more than it saves (measured: 74 files, 0.8 s
# in one process, 2 s with two).
POOL_FROM_FILES = 500


def _static_functions(root: str, jobs: int | None
                      ) -> tuple[dict[str, ModuleFacts], dict[str, str]]:
    """Facts of every Python file under root (by relative posix path) and their hashes."""
    config = _config(root)
    files, _ = discover([root], config)
    if jobs is None:
        jobs = (os.cpu_count() or 1) if len(files) >= POOL_FROM_FILES else 1
    project = load_project(files, config, jobs=jobs)
    facts: dict[str, ModuleFacts] = {}
    hashes: dict[str, str] = {}
    for path, module_facts in project.facts.items():
        if module_facts.error is not None:
            continue
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        facts[rel] = module_facts
        hashes[rel] = source_sha256(project.sources[path].text)
    return facts, hashes


def _match_yield(fn: FunctionFact | None, line: int, col: int) -> tuple[int, int, bool]:
    """The static yield a recorded (line, col) is, or the recorded position unmatched."""
    if fn is None:
        return line, col, False
    starts = {(y.span.line, y.span.col) for y in fn.yields}
    if (line, col) in starts:
        return line, col, True
    on_line = [s for s in starts if s[0] == line]
    if len(on_line) == 1:
        return on_line[0][0], on_line[0][1], True
    return line, col, False


def merge(fragments: Sequence[dict[str, Any]], root: str, command: Sequence[str] = (),
          exit_code: int | None = None, warnings: Iterable[str] = (), jobs: int | None = None
          ) -> dict[str, Any]:
    """The evidence document (analysis/evidence.py describes it) for one probe run."""
    root = os.path.abspath(root)
    facts, disk_hashes = _static_functions(root, jobs)
    notes = list(warnings)
    functions: dict[str, dict[str, _Function]] = {}
    static_fns: dict[tuple[str, str], FunctionFact] = {}
    for rel, module_facts in facts.items():
        for fn in module_facts.functions:
            if not fn.is_ic:
                continue
            static_fns[(rel, fn.qualname)] = fn
            record = functions.setdefault(rel, {}).setdefault(
                fn.qualname, _Function(line=fn.name_span.line, static=True))
            for y in fn.yields:
                record.yields[(y.span.line, y.span.col)] = _Yield(y.span.line, y.span.col, True)

    run_hashes: dict[str, Counter[str]] = {}
    pythons: set[str] = set()
    twisteds: set[str] = set()
    for fragment in fragments:
        pythons.add(str(fragment.get("python", "")))
        if fragment.get("twisted"):
            twisteds.add(str(fragment["twisted"]))
            if "_inlineCallbacks" not in fragment.get("instrumented", []):
                notes.append(f"process {fragment.get('pid')} ({_argv(fragment)}): Twisted "
                             "could not be instrumented; its yields are missing")
        for error in fragment.get("errors", []):
            notes.append(f"process {fragment.get('pid')} ({_argv(fragment)}): probe error: "
                         f"{error}")
        for rel, digest in fragment.get("hashes", {}).items():
            run_hashes.setdefault(rel, Counter())[digest] += 1
        for entry in fragment.get("functions", []):
            rel, qualname = entry["path"], entry["qualname"]
            known = static_fns.get((rel, qualname))
            record = functions.setdefault(rel, {}).setdefault(
                qualname, _Function(line=0 if known is None else known.name_span.line,
                                    static=known is not None))
            record.calls += int(entry.get("calls", 0))
            record.consumed += int(entry.get("consumed", 0))
            for site in entry.get("yields", []):
                line, col, matched = _match_yield(known, int(site["line"]), int(site["col"]))
                seen = record.yields.setdefault((line, col), _Yield(line, col, matched))
                seen.count += int(site.get("count", 0))
                seen.kinds.update({k: int(n) for k, n in site.get("kinds", {}).items()})
            for c in entry.get("consumers", []):
                key = (c.get("path"), None if c.get("path") else c.get("module"),
                       int(c.get("line", 0)), str(c["what"]))
                record.consumers[key] += int(c.get("count", 1))

    files: dict[str, Any] = {}
    for rel in sorted(functions):
        digests = run_hashes.get(rel)
        if digests:
            digest = digests.most_common(1)[0][0]
            if len(digests) > 1:
                notes.append(f"{rel}: the file changed while the tests ran")
        else:
            digest = disk_hashes.get(rel, "")
        files[rel] = {"sha256": digest, "functions": {
            qualname: _function_json(record)
            for qualname, record in sorted(functions[rel].items(),
                                           key=lambda item: (item[1].line, item[0]))}}
    return {
        "format": FORMAT,
        "version": VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": list(command),
        "exit_code": exit_code,
        "processes": len(fragments),
        "python": sorted(p for p in pythons if p),
        "twisted": sorted(twisteds),
        "warnings": notes,
        "files": files,
    }


def _argv(fragment: dict[str, Any]) -> str:
    argv = fragment.get("argv") or []
    return " ".join(str(a) for a in argv)[:80] or "?"


def _function_json(record: _Function) -> dict[str, Any]:
    return {
        "line": record.line,
        "static": record.static,
        "calls": record.calls,
        "unconsumed": max(record.calls - record.consumed, 0),
        "yields": [
            {"line": y.line, "col": y.col, "count": y.count, "static": y.static,
             "kinds": dict(sorted(y.kinds.items()))}
            for _, y in sorted(record.yields.items())
        ],
        "consumers": [
            {"path": path, "module": module, "line": line, "what": what, "count": count}
            for (path, module, line, what), count in sorted(
                record.consumers.items(),
                key=lambda item: (item[0][0] or "", item[0][1] or "", item[0][2], item[0][3]))
        ],
    }
