"""Corpus sweep: `check` and `fix --diff` over large real source trees.

The trees: the installed Twisted package's source (in the default suite, about a minute), and
every sdist the real-world driver
(benchmarks/realworld.py) has unpacked under ~/.cache/txasync-realworld (or
$TXASYNC_REALWORLD_CACHE), pristine copies only. Each tree runs through the CLI in process,
exactly as a user runs it, with the engine's `compute_fixes` observed so every rewrite can be
checked. Asserted: no internal error anywhere, no traceback, and every rewritten file
compiles (a rewrite the engine itself refused as not compiling counts as a failure too).
Files that cannot be read or parsed (Python 2 code in old sdists) are reported, not fatal.

    pytest -s tests/test_corpus.py                  # Twisted; prints the figures
    pytest -m corpus -s tests/test_corpus.py        # the unpacked sdists (marker `corpus`)

Set TXASYNC_CORPUS_REPORT=path.json to keep the figures.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import libcst as cst
import pytest

from txasync import cli, engine
from txasync.engine import FixOutcome


def _realworld_cache() -> Path:
    return Path(os.environ.get("TXASYNC_REALWORLD_CACHE")
                or Path.home() / ".cache" / "txasync-realworld")


def corpus_trees() -> list[tuple[str, Path]]:
    trees: list[tuple[str, Path]] = []
    spec = importlib.util.find_spec("twisted")  # finds the package without importing it
    if spec is not None and spec.submodule_search_locations:
        trees.append(("twisted", Path(list(spec.submodule_search_locations)[0])))
    work = _realworld_cache() / "work"
    if work.is_dir():
        for project in sorted(work.iterdir()):
            orig = project / "orig"  # the pristine unpacked sdist (tree/ gets converted)
            if orig.is_dir():
                trees.append((project.name, orig))
    return trees


@dataclass
class Sweep:
    tree: str
    path: str
    files: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    check_exit: int = -1
    fix_exit: int = -1
    files_changed: int = 0
    functions_converted: int = 0
    call_sites_wrapped: int = 0
    not_handled: list[str] = field(default_factory=list)  # unreadable/unparsable, reported
    refused_rewrites: list[str] = field(default_factory=list)  # "would not compile"
    internal_errors: list[str] = field(default_factory=list)
    uncompilable: list[str] = field(default_factory=list)
    libcst_lossy: list[str] = field(default_factory=list)  # parse_module(s).code != s
    seconds: dict[str, float] = field(default_factory=dict)


_FINDING = re.compile(r"^.+?:\d+:\d+: (TXA\d{3}) ")


def sweep(name: str, root: Path, capsys, monkeypatch) -> Sweep:  # type: ignore[no-untyped-def]
    result = Sweep(name, str(root))
    jobs = str(min(4, os.cpu_count() or 1))
    monkeypatch.chdir(root)

    start = time.monotonic()
    result.check_exit = cli.main(["check", "--jobs", jobs, "."])
    result.seconds["check"] = round(time.monotonic() - start, 1)
    out, err = capsys.readouterr()
    for line in out.splitlines():
        match = _FINDING.match(line)
        if match:
            result.findings[match.group(1)] = result.findings.get(match.group(1), 0) + 1
    _classify_stderr(err, result)

    seen: list[FixOutcome] = []
    real = engine.compute_fixes

    def observed(*args, **kwargs):  # type: ignore[no-untyped-def]
        outcomes = real(*args, **kwargs)
        seen.extend(outcomes)
        return outcomes

    monkeypatch.setattr(engine, "compute_fixes", observed)
    start = time.monotonic()
    result.fix_exit = cli.main(["fix", "--diff", "--jobs", jobs, "."])
    result.seconds["fix --diff"] = round(time.monotonic() - start, 1)
    out, err = capsys.readouterr()
    _classify_stderr(err, result)
    result.files = sum(1 for _ in _python_files(root))

    start = time.monotonic()
    for outcome in seen:
        if outcome.result is None or outcome.result.source == outcome.original:
            continue
        result.files_changed += 1
        result.functions_converted += len(outcome.result.converted)
        result.call_sites_wrapped += outcome.result.wraps
        try:
            compile(outcome.result.source, outcome.path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            result.uncompilable.append(f"{outcome.path}: {exc}")
        try:
            if cst.parse_module(outcome.original).code != outcome.original:
                result.libcst_lossy.append(outcome.path)
        except Exception:  # the engine already reported what LibCST rejects
            pass
    result.seconds["verify"] = round(time.monotonic() - start, 1)
    monkeypatch.undo()
    return result


def _python_files(root: Path):  # type: ignore[no-untyped-def]
    from txasync.config import Config
    from txasync.engine import discover

    files, _ = discover([str(root)], Config(root=str(root)))
    return files


def _classify_stderr(err: str, result: Sweep) -> None:
    for line in err.splitlines():
        if "internal error" in line or line.startswith("Traceback"):
            result.internal_errors.append(line)
        elif "would not compile" in line:
            result.refused_rewrites.append(line)
        elif ": cannot parse" in line or ": cannot read" in line or ": cannot decode" in line \
                or ": skipped" in line:
            if line not in result.not_handled:
                result.not_handled.append(line)


TREES = [pytest.param(name, root, id=name,
                      marks=[] if name == "twisted" else [pytest.mark.corpus])
         for name, root in corpus_trees()]


@pytest.mark.skipif(not TREES, reason="no corpus tree found")
@pytest.mark.parametrize("name,root", TREES)
def test_corpus_sweep(name: str, root: Path, capsys, monkeypatch) -> None:
    result = sweep(name, root, capsys, monkeypatch)
    summary = asdict(result)
    with capsys.disabled():
        print(f"\n[corpus] {name}: {result.files} files, findings {result.findings}, "
              f"{result.functions_converted} functions converted and "
              f"{result.call_sites_wrapped} call sites wrapped in {result.files_changed} "
              f"files; not handled {len(result.not_handled)}, refused rewrites "
              f"{len(result.refused_rewrites)}, LibCST-lossy {len(result.libcst_lossy)}; "
              f"seconds {result.seconds}")
        for line in result.not_handled[:20]:
            print(f"[corpus]   not handled: {line}")
    report = os.environ.get("TXASYNC_CORPUS_REPORT")
    if report:
        existing = json.loads(Path(report).read_text()) if Path(report).exists() else {}
        existing[name] = summary
        Path(report).write_text(json.dumps(existing, indent=2) + "\n")
    assert result.files > 0
    assert result.check_exit in (0, 1) and result.fix_exit in (0, 1), summary
    assert not result.internal_errors, result.internal_errors
    assert not result.uncompilable, result.uncompilable
    assert not result.refused_rewrites, result.refused_rewrites
