"""Index build time over the installed Twisted source tree, against plain `ast.parse`.

Run: python benchmarks/index_bench.py [--jobs N]. Prints both times from the same run and
their ratio: the ratio, not the seconds, is what to compare between machines.
"""

from __future__ import annotations

import argparse
import ast
import os
import time

import twisted

from txasync.config import Config
from txasync.engine import analyse, discover, load_project


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = os.path.dirname(twisted.__file__)
    config = Config(twisted_version=(26, 10), root=root)
    files, _ = discover([root], config)
    texts = []
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as handle:
            texts.append((path, handle.read()))

    def parse_all() -> None:
        for path, text in texts:
            try:
                ast.parse(text, path)
            except SyntaxError:
                pass

    def index_all() -> None:
        project = load_project(files, config, jobs=args.jobs)
        project.workspace.callers("x")  # build the reverse call-site index
        analyse(project)

    best = {}
    for name, job in (("ast.parse", parse_all), ("txasync index + analyse", index_all)):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            job()
            times.append(time.perf_counter() - start)
        best[name] = min(times)
    print(f"files: {len(files)} (Twisted {twisted.__version__})")
    for name, seconds in best.items():
        print(f"{name:28s} {seconds:8.3f} s")
    print(f"ratio index/ast.parse: {best['txasync index + analyse'] / best['ast.parse']:.2f}x")


if __name__ == "__main__":
    main()
