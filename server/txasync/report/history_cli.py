"""`txasync progress --history`: walk the history with a progress bar, then print or draw it."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..config import Config
from .chart import MissingExtra, require_matplotlib, write_html, write_png
from .gitobjects import GitError
from .history import History, walk_history
from .layers import Layers

EXIT_OK, EXIT_USAGE = 0, 2
MAX_ROWS = 30  # a text table longer than this shows evenly spaced points (JSON has all)


def _say(err: Console, text: str) -> None:
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def run_history(args: argparse.Namespace, config: Config, layers: Layers, out: Console,
                err: Console) -> int:
    """Exit 0 with output written; 2 for a missing extra, a git problem or bad flags."""
    if args.png:
        try:
            require_matplotlib()
        except MissingExtra as exc:
            _say(err, f"txasync: {exc}")
            return EXIT_USAGE
    # No refresh thread (auto_refresh=False): the history walk forks worker processes, and
    # fork is only safe with no other thread running; the callback refreshes instead.
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err, transient=True, auto_refresh=False,
                   disable=not err.is_terminal)
    tasks: dict[str, Any] = {}
    last_refresh = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            label = "reading git history" if phase == "log" else "counting file versions"
            tasks[phase] = bar.add_task(label, total=total or None)
        bar.update(tasks[phase], completed=done, total=total or None)
        now = time.monotonic()
        if now - last_refresh[0] > 0.1 or done == total:
            last_refresh[0] = now
            bar.refresh()

    try:
        with bar:
            history = walk_history(args.paths[0] if args.paths else ".", args.paths or ["."],
                                   every=args.every, since=args.since, cache_dir=args.cache_dir,
                                   config=config, layers=layers, jobs=args.jobs,
                                   progress=progress)
    except GitError as exc:
        _say(err, f"txasync: {exc}")
        return EXIT_USAGE
    if not history.points:
        _say(err, "txasync: no commits to count (empty repository, or nothing after --since)")
        return EXIT_USAGE
    _report_stats(history, err)
    try:
        if args.html:
            write_html(history, args.html)
            _say(err, f"wrote {args.html}")
        if args.png:
            write_png(history, args.png)
            _say(err, f"wrote {args.png}")
    except OSError as exc:
        _say(err, f"txasync: cannot write chart: {exc}")
        return EXIT_USAGE
    if args.format == "json":
        print(json.dumps(history.to_json(), indent=2))
    elif not (args.html or args.png):
        render_history(history, out)
    return EXIT_OK


def _report_stats(history: History, err: Console) -> None:
    s = history.stats
    _say(err, f"{s.commits_sampled} of {s.commits_walked} commits counted: "
              f"{s.blobs} file versions, {s.blobs_read} read from git "
              f"({s.blobs_parsed} parsed), {s.blobs - s.blobs_read} from the cache, "
              f"in {s.seconds:.1f}s")
    if history.unparsable:
        first = history.unparsable[0]
        _say(err, f"{len(history.unparsable)} file versions did not parse and count as zero "
                  f"(first: {first['path']} at {first['commit'][:10]}: {first['error']})")


def render_history(history: History, out: Console) -> None:
    points = history.points
    shown = points
    if len(points) > MAX_ROWS:
        step = (len(points) - 1) / (MAX_ROWS - 1)
        shown = [points[round(i * step)] for i in range(MAX_ROWS)]
    title = "inlineCallbacks vs async over time"
    if shown is not points:
        title += f" ({len(shown)} of {len(points)} points; --format json for all)"
    table = Table(title=title, title_justify="left")
    for name in ("date", "commit", "IC", "pass-through/\nchain", "async", "IC lines",
                 "async lines", "async %"):
        table.add_column(name, justify="left" if name in ("date", "commit") else "right")
    for p in shown:
        c = p.counts
        table.add_row(p.date[:10], p.commit[:10], str(c.inlinecallbacks), str(c.deferred),
                      str(c.async_),
                      str(c.inlinecallbacks_lines), str(c.async_lines), f"{c.share_async:.0%}")
    out.print(table)
