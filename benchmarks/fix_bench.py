"""How fast `txasync fix --diff` is on real projects, against LibCST's own floor.

For each project of `realworld.toml` (its pristine unpacked sdist, as `realworld.py` leaves it
in the cache; downloaded and unpacked here if missing), in this one process:

- the wall time of `txasync.cli.main(["fix", "--diff", "--jobs", "1", tree])` (stdout
  discarded), with `libcst.parse_module` wrapped to record every file it parses;
- the time LibCST needs just to parse and print (`libcst.parse_module(src).code`) every file
  that contains `inlineCallbacks`, the least any LibCST-based rewrite of them can cost;
- the ratio of the two, and the files without `inlineCallbacks` that LibCST parsed (split into
  those the fix changed, i.e. wrap-only caller files, and those it left alone).

    python benchmarks/fix_bench.py                 # all projects, best of 3
    python benchmarks/fix_bench.py -p treq --repeat 5 --json out.json

Run it with the Python that has txasync and libcst installed (the repository's venv).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _realworld():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("txasync_realworld", HERE / "realworld.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


realworld = _realworld()


def ensure_tree(project: Any, cache: Path) -> Path:
    """The pristine unpacked sdist of a project (downloaded and unpacked when missing)."""
    orig = cache / "work" / project.slug / "orig"
    if orig.is_dir():
        return orig
    logs = cache / "work" / project.slug / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    archive = realworld.download_sdist(project, Path(sys.executable), cache, logs)
    realworld.unpack(archive, orig)
    return orig


def python_files(tree: Path) -> dict[str, str]:
    """Every .py file txasync would look at, by absolute path, with its text."""
    from txasync.config import load_config
    from txasync.engine import discover, read_source

    files, _ = discover([str(tree)], load_config(str(tree)))
    texts = {}
    for path in files:
        try:
            texts[path] = read_source(path).text
        except Exception:  # unreadable files are txasync's business, not the benchmark's
            continue
    return texts


def bench_project(project: Any, tree: Path, repeat: int) -> dict[str, Any]:
    import libcst

    from txasync import cli

    texts = python_files(tree)
    by_text: dict[str, list[str]] = {}
    for path, text in texts.items():
        by_text.setdefault(text, []).append(path)
    ic_files = sorted(p for p, t in texts.items() if "inlineCallbacks" in t)

    # The floor: LibCST parse + print of every file that contains inlineCallbacks.
    floor_runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for path in ic_files:
            _ = libcst.parse_module(texts[path]).code
        floor_runs.append(time.perf_counter() - start)

    # txasync fix --diff, in process, one job, with parse_module recorded.
    original = libcst.parse_module
    parsed: list[str] = []

    def recording(source: Any, *args: Any, **kwargs: Any) -> Any:
        text = source.decode() if isinstance(source, bytes) else source
        parsed.extend(by_text.get(text, ["<not a file of the tree>"]))
        return original(source, *args, **kwargs)

    fix_runs = []
    diff_text = ""
    exit_code = None
    cwd = os.getcwd()
    try:
        libcst.parse_module = recording  # type: ignore[assignment]
        os.chdir(tree)  # txasync prints paths relative to the current directory
        for i in range(repeat):
            parsed_before = len(parsed)
            out, err = io.StringIO(), io.StringIO()
            start = time.perf_counter()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                exit_code = cli.main(["fix", "--diff", "--jobs", "1", "."])
            fix_runs.append(time.perf_counter() - start)
            if i == 0:
                diff_text = out.getvalue()
                first_parsed = parsed[parsed_before:]
    finally:
        libcst.parse_module = original  # type: ignore[assignment]
        os.chdir(cwd)

    changed = {str((tree / line[6:].strip()).resolve()) for line in diff_text.splitlines()
               if line.startswith("+++ b/")}
    parsed_set = sorted(set(first_parsed))
    without_ic = [p for p in parsed_set if p in texts and "inlineCallbacks" not in texts[p]]
    fix_s, floor_s = min(fix_runs), min(floor_runs)
    return {
        "project": project.name,
        "version": project.version,
        "tree": str(tree),
        "python_files": len(texts),
        "files_with_inlinecallbacks": len(ic_files),
        "lines_in_ic_files": sum(texts[p].count("\n") for p in ic_files),
        "fix_exit_code": exit_code,
        "files_changed": len(changed),
        "fix_seconds": round(fix_s, 3),
        "fix_seconds_median": round(statistics.median(fix_runs), 3),
        "libcst_parse_print_seconds": round(floor_s, 3),
        "libcst_parse_print_seconds_median": round(statistics.median(floor_runs), 3),
        "ratio": round(fix_s / floor_s, 2) if floor_s else None,
        "libcst_parses": len(first_parsed),
        "libcst_parsed_files": len(parsed_set),
        "parsed_more_than_once": sorted({os.path.relpath(p, tree) for p in first_parsed
                                         if first_parsed.count(p) > 1}),
        "parsed_without_inlinecallbacks": len(without_ic),
        "parsed_without_ic_changed": sorted(os.path.relpath(p, tree) for p in without_ic
                                            if p in changed),
        "parsed_without_ic_unchanged": sorted(os.path.relpath(p, tree) for p in without_ic
                                              if p not in changed),
    }


def render(rows: list[dict[str, Any]]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        for r in rows:
            print(json.dumps(r))
        return
    table = Table(title="txasync fix --diff vs LibCST parse+print (best of runs, one job)",
                  title_justify="left")
    for column in ("project", ".py files", "with IC", "changed", "fix --diff s",
                   "LibCST parse+print s", "ratio", "LibCST parses", "parsed w/o IC",
                   "of which unchanged"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(f"{r['project']} {r['version']}", str(r["python_files"]),
                      str(r["files_with_inlinecallbacks"]), str(r["files_changed"]),
                      f"{r['fix_seconds']:.3f}", f"{r['libcst_parse_print_seconds']:.3f}",
                      f"{r['ratio']}x", str(r["libcst_parses"]),
                      str(r["parsed_without_inlinecallbacks"]),
                      str(len(r["parsed_without_ic_unchanged"])))
    total_fix = sum(r["fix_seconds"] for r in rows)
    total_floor = sum(r["libcst_parse_print_seconds"] for r in rows)
    if len(rows) > 1 and total_floor:
        table.add_row("all", str(sum(r["python_files"] for r in rows)),
                      str(sum(r["files_with_inlinecallbacks"] for r in rows)),
                      str(sum(r["files_changed"] for r in rows)), f"{total_fix:.3f}",
                      f"{total_floor:.3f}", f"{total_fix / total_floor:.2f}x",
                      str(sum(r["libcst_parses"] for r in rows)),
                      str(sum(r["parsed_without_inlinecallbacks"] for r in rows)),
                      str(sum(len(r["parsed_without_ic_unchanged"]) for r in rows)))
    console = Console(width=max(140, Console().width))
    console.print(table)
    for r in rows:
        for key, label in (("parsed_without_ic_changed", "parsed, no inlineCallbacks, changed"),
                           ("parsed_without_ic_unchanged",
                            "parsed, no inlineCallbacks, NOT changed"),
                           ("parsed_more_than_once", "parsed more than once")):
            if r[key]:
                console.print(f"{r['project']}: {label}: {', '.join(r[key])}",
                              markup=False, highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-p", "--project", action="append")
    parser.add_argument("--config", type=Path, default=realworld.DEFAULT_CONFIG)
    parser.add_argument("--cache-dir", type=Path, default=realworld.DEFAULT_CACHE)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    projects = realworld.load_config(args.config)
    names = args.project or list(projects)
    cache = args.cache_dir.expanduser().resolve()
    rows = []
    for name in names:
        tree = ensure_tree(projects[name], cache)
        rows.append(bench_project(projects[name], tree, max(1, args.repeat)))
    render(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    unchanged = sum(len(r["parsed_without_ic_unchanged"]) for r in rows)
    return 0 if unchanged == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
