"""`txasync check` over the installed Twisted source tree, against plain `ast.parse`.

Run: python benchmarks/index_bench.py [--jobs N] [--repeat N] [--before CHECKOUT]

Each figure is the best of `--repeat` runs of a fresh process (so nothing is memoised from
one run to the next), printed with its ratio to `ast.parse` of the same files in the same
run: the ratio, not the seconds, is what to compare between machines.

- cold: `txasync check --no-cache` (read, parse, gather facts, index, analyse);
- warm: `txasync check` a second time on the unchanged tree (the results cache,
  `.txasync/cache/`, read back after every input is hashed);
- with `--before`: the cold check of another checkout (its `server/` first on PYTHONPATH),
  for a before/after pair from one run.

The tree is copied to a scratch directory first: the check writes its cache into the
project root, never into the installed package.
"""

from __future__ import annotations

import argparse
import os
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
start = time.perf_counter()
for path in files:
    with open(path, 'rb') as handle:
        data = handle.read()
    try:
        ast.parse(data, path)
    except (SyntaxError, ValueError):
        pass
print(time.perf_counter() - start, len(files))
"""


def timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


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
    check = [sys.executable, "-m", "txasync", "check", "--jobs", str(args.jobs), str(root)]
    # The parse floor, timed inside its process (interpreter start-up is not parsing) plus
    # an empty interpreter's start-up, which every txasync run pays too.
    startup = min(timed([sys.executable, "-c", "pass"]) for _ in range(args.repeat))
    parse_times, files = [], 0
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-c", PARSE, str(root)], capture_output=True,
                             text=True, check=True).stdout.split()
        parse_times.append(float(out[0]))
        files = int(out[1])
    parse = min(parse_times) + startup
    cold = min(timed(check[:4] + ["--no-cache"] + check[4:]) for _ in range(args.repeat))
    timed(check)  # fills the cache
    warm = min(timed(check) for _ in range(args.repeat))
    before = None
    if args.before is not None:
        env = dict(os.environ, PYTHONPATH=str(args.before / "server"))
        before = min(timed(check[:4] + check[4:], env) for _ in range(args.repeat))
    print(f"files: {files} (Twisted {twisted.__version__}), jobs={args.jobs}, "
          f"best of {args.repeat}")
    print(f"{'ast.parse (+ interpreter start)':34s} {parse:8.3f} s")
    if before is not None:
        print(f"{'check, before (' + str(args.before) + ')':34s} {before:8.3f} s   "
              f"{before / parse:5.2f}x")
    print(f"{'check --no-cache (cold)':34s} {cold:8.3f} s   {cold / parse:5.2f}x")
    print(f"{'check, unchanged tree (warm)':34s} {warm:8.3f} s   {warm / parse:5.2f}x")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
