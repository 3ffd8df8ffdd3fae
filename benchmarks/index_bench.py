"""`txasync check` over the installed Twisted source tree, against plain `ast.parse`.

Run: python benchmarks/index_bench.py [--jobs N] [--repeat N] [--before CHECKOUT]

Each figure is the best of `--repeat` runs of a fresh process (so nothing is memoised from
one run to the next), printed with its ratio to `ast.parse` of the same files in the same
run: the ratio, not the seconds, is what to compare between machines. Each is given as
wall-clock time and as the process's CPU time (user + system): on a loaded machine the
wall clock mostly measures the other jobs, the CPU time much less.

- cold: `txasync check --no-cache` (read, parse, gather facts, index, analyse);
- first run: `txasync check` with no cache yet (cold, and writes the caches; one sample);
- warm: `txasync check` a second time on the unchanged tree (the results cache,
  `.txasync/cache/check.json`, read back after every input is hashed);
- one file changed: `txasync check` after one file was edited (the results cache misses;
  every other file's facts are read back from `.txasync/cache/facts/`, where txasync
  keeps them);
- with `--before`: the same figures for another checkout (its `server/` first on
  PYTHONPATH, its own scratch copy of the tree), for a before/after pair from one run.
  The two take turns sample by sample (timing all of one, then all of the other, put
  any slower stretch of the machine on one side only: up to a tenth apart).

The tree is copied to a scratch directory first: the check writes its cache into the
project root, never into the installed package.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import twisted

PARSE = """
import ast, os, sys, time
files = []
for d, dirs, names in os.walk(sys.argv[1]):
    dirs[:] = sorted(x for x in dirs if not x.startswith('.') and x != '__pycache__')
    files += [os.path.join(d, n) for n in sorted(names) if n.endswith('.py')]
start, cpu = time.perf_counter(), time.process_time()
for path in files:
    with open(path, 'rb') as handle:
        data = handle.read()
    try:
        ast.parse(data, path)
    except (SyntaxError, ValueError):
        pass
print(time.perf_counter() - start, time.process_time() - cpu, len(files))
"""


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall-clock seconds, and CPU seconds (user + system) of the child: on a shared,
    loaded machine the CPU figure is the steadier one."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return min(w for w, _ in samples), min(c for _, c in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None,
                        help="also time the cold check of this checkout")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="txasync-index-bench-"))
    root = scratch / "twisted"
    shutil.copytree(os.path.dirname(twisted.__file__), root,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "pyproject.toml").write_text('[tool.txasync]\ntwisted-version = "26.10"\n')
    # The parse floor, timed inside its process (interpreter start-up is not parsing) plus
    # an empty interpreter's start-up, which every txasync run pays too.
    startup = best([timed([sys.executable, "-c", "pass"]) for _ in range(args.repeat)])
    parse_times: list[tuple[float, float]] = []
    files = 0
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-c", PARSE, str(root)], capture_output=True,
                             text=True, check=True).stdout.split()
        parse_times.append((float(out[0]), float(out[1])))
        files = int(out[2])
    parse_wall, parse_cpu = best(parse_times)
    parse = (parse_wall + startup[0], parse_cpu + startup[1])
    runs: list[tuple[str, dict[str, str] | None, Path]] = [("", None, root)]
    if args.before is not None:
        copy = scratch / "before" / "twisted"
        shutil.copytree(root, copy)
        runs.insert(0, (f"before ({args.before}), ",
                        dict(os.environ, PYTHONPATH=str(args.before / "server")), copy))
    print(f"files: {files} (Twisted {twisted.__version__}), jobs={args.jobs}, "
          f"best of {args.repeat}")
    print(f"{'':52s} {'wall':>8s}          {'CPU':>8s}")
    print(f"{'ast.parse (+ interpreter start)':52s} {parse[0]:8.3f} s        "
          f"{parse[1]:8.3f} s")
    for label, times in zip([label for label, _, _ in runs], _check_times(runs, args),
                            strict=True):
        for name, (wall, cpu) in times:
            print(f"{label + name:52s} {wall:8.3f} s {wall / parse[0]:5.2f}x  "
                  f"{cpu:8.3f} s {cpu / parse[1]:5.2f}x")
    shutil.rmtree(scratch, ignore_errors=True)


def _check_times(runs: list[tuple[str, dict[str, str] | None, Path]],
                 args: argparse.Namespace) -> list[list[tuple[str, tuple[float, float]]]]:
    """Cold, warm and one-file-changed checks of each run's tree. The runs take turns
    sample by sample, so a slower stretch of the machine falls on both sides of a
    before/after pair rather than on one of them."""
    checks = [([sys.executable, "-m", "txasync", "check", "--jobs", str(args.jobs),
                str(tree)], env, tree) for _, env, tree in runs]
    cold: list[list[tuple[float, float]]] = [[] for _ in runs]
    warm: list[list[tuple[float, float]]] = [[] for _ in runs]
    changed: list[list[tuple[float, float]]] = [[] for _ in runs]
    for _ in range(args.repeat):
        for i, (check, env, _) in enumerate(checks):
            cold[i].append(timed(check[:4] + ["--no-cache"] + check[4:], env))
    # Fills the caches: one sample, as it can be done once.
    first = [timed(check, env) for check, env, _ in checks]
    for _ in range(args.repeat):
        for i, (check, env, _) in enumerate(checks):
            warm[i].append(timed(check, env))
    for n in range(args.repeat):
        for i, (check, env, tree) in enumerate(checks):
            edited = tree / "internet" / "base.py"  # a module many others import
            with open(edited, "a", encoding="utf-8") as handle:
                handle.write(f"\n_BENCH_EDIT_{n} = {n}\n")
            changed[i].append(timed(check, env))
    return [[("check --no-cache (cold)", best(cold[i])),
             ("check, first run (fills caches)", first[i]),
             ("check, unchanged tree (warm)", best(warm[i])),
             ("check, one file changed", best(changed[i]))] for i in range(len(runs))]


if __name__ == "__main__":
    main()
