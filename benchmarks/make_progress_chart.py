"""Draw docs/progress.png from a synthetic history (the README's "are we async yet" chart).

Run: python benchmarks/make_progress_chart.py [--out docs/progress.png] [--html FILE]
Needs matplotlib (the `progress-png` extra).

The history is generated like the benchmark's, but converts the way Synapse did, outside in:
the REST layer first, then the handlers, then storage, while new code is written async more
and more often. The chart is what `txasync progress --history --png` draws for it.
"""

from __future__ import annotations

import argparse
import os
import tempfile

from progress_bench import Generator, make_repo

from txasync.report.chart import write_html, write_png
from txasync.report.history import walk_history

LAYERS = ("rest", "handlers", "storage")


class OutsideIn(Generator):
    """Modules in three layers; conversions move from one layer to the next over time."""

    per_module = 3

    def _path(self, i: int) -> str:
        return f"app/{LAYERS[i % 3]}/pkg{i % 12}/mod{i}.py"

    def candidates(self, paths: list[str], action: str, progress: float, k: int) -> list[str]:
        if action != "convert":
            return super().candidates(paths, action, progress, k)
        focus = "rest" if progress < 0.42 else "handlers" if progress < 0.72 else "storage"
        pool = [p for p in paths if f"/{focus}/" in p
                and any(not fn.is_async for fn in self.modules[p].functions)] or paths
        return self.rng.sample(pool, min(k, len(pool)))


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(here, "..", "docs", "progress.png"))
    parser.add_argument("--html", metavar="FILE", help="also write the HTML page")
    parser.add_argument("--commits", type=int, default=900)
    parser.add_argument("--files", type=int, default=240)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        make_repo(repo, args.commits, args.files, generator=OutsideIn)
        history = walk_history(repo, cache_dir=os.path.join(tmp, "cache"),
                               layers=[(name, (f"app/{name}/*",)) for name in LAYERS],
                               jobs=os.cpu_count() or 1)
    write_png(history, args.out)
    if args.html:
        write_html(history, args.html)
    last = history.points[-1].counts
    print(f"wrote {os.path.relpath(args.out)}: {len(history.points)} weekly points, "
          f"{last.share_async:.0%} async at the end")


if __name__ == "__main__":
    main()
