"""IC vs async over a repository's history, counted from git objects and cached per blob.

The walk replays first-parent changes (`gitobjects.first_parent_log`) to know every sampled
commit's files, reads only the blobs that appear at a sampled commit and are not in the
cache, counts them with the same per-file facts as `txasync progress` (so the last point
equals a clean checkout's totals), and folds per-sample deltas into running totals. A blob's
counts never change, so the cache is keyed by blob hash alone: a rerun after new commits
reads only the blobs those commits introduced.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import __version__
from ..config import Config
from ..engine import skipped_directory
from .blobcount import NUMBERS, ZERO, BlobCounts, count_chunk, failed, needs_parse
from .counts import Counts
from .gitobjects import BlobReader, Commit, GitError, first_parent_log, toplevel, tree_files
from .layers import Layers, layer_of, relative

# 2: the counts of plain Deferred functions (pass-throughs, chains) joined IC and async.
CACHE_FORMAT = 2
CACHE_FILE = "progress-blobs.json"
# Below this many blobs to parse, starting worker processes costs more than it saves.
_PARALLEL_MIN = 64
_CHUNK = 16

Progress = Callable[[str, int, int], None]  # (phase, done, total)


class BlobCache:
    """Counts per blob hash, in one JSON file; stale formats or versions start empty."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.path = os.path.join(directory, CACHE_FILE)
        self.blobs: dict[str, BlobCounts] = {}
        self.dirty = False
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
            if data.get("format") == CACHE_FORMAT and data.get("txasync") == __version__:
                self.blobs = {sha: tuple(v) for sha, v in data["blobs"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.blobs = {}

    def put(self, sha: str, counts: BlobCounts) -> None:
        self.blobs[sha] = counts
        self.dirty = True

    def save(self) -> None:
        """Write atomically; a cache that cannot be written only costs the next run time."""
        if not self.dirty:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            ignore = os.path.join(self.directory, ".gitignore")
            if not os.path.exists(ignore):
                with open(ignore, "w", encoding="utf-8") as handle:
                    handle.write("# created by txasync: the cache is not for committing\n*\n")
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump({"format": CACHE_FORMAT, "txasync": __version__,
                           "blobs": self.blobs}, handle, separators=(",", ":"))
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            pass


@dataclass
class Point:
    commit: str
    timestamp: int
    subject: str
    counts: Counts
    files: int  # Python files counted at this commit
    unparsable: int  # of which did not parse (counted as zero)
    layers: dict[str, Counts] = field(default_factory=dict)

    @property
    def date(self) -> str:
        return datetime.fromtimestamp(self.timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"commit": self.commit, "date": self.date,
                                "timestamp": self.timestamp, "subject": self.subject,
                                **self.counts.to_json(), "files": self.files,
                                "unparsable": self.unparsable}
        if self.layers:
            data["layers"] = {name: c.to_json() for name, c in self.layers.items()}
        return data


@dataclass
class Stats:
    commits_walked: int = 0
    commits_sampled: int = 0
    blobs: int = 0  # distinct blobs at the sampled commits
    blobs_read: int = 0  # read from git in this run (the rest came from the cache)
    blobs_parsed: int = 0  # of those, parsed (the rest had no IC, async or Deferred text)
    seconds: float = 0.0


@dataclass
class History:
    repo: str
    points: list[Point]
    stats: Stats
    unparsable: list[dict[str, str]]  # one per distinct blob: path, commit, blob, error

    def to_json(self) -> dict[str, Any]:
        return {"repo": self.repo, "points": [p.to_json() for p in self.points],
                "stats": vars(self.stats), "unparsable": self.unparsable}


# A history whose commits fall in fewer weeks than this is drawn one point per commit (up
# to MAX_COMMIT_POINTS, evenly spaced): a young repository must not chart as one dot.
MIN_WEEKLY_POINTS = 8
MAX_COMMIT_POINTS = 200


def sample(commits: list[Commit], every: int | None = None) -> list[int]:
    """Indices of the commits to count (oldest first); HEAD is always one of them.

    Weekly (the default): the last commit of each ISO week (UTC), the state the team had at
    the end of that week; when that gives fewer than MIN_WEEKLY_POINTS points, every commit
    instead (every Nth past MAX_COMMIT_POINTS). `every=N`: HEAD and every Nth commit before
    it.
    """
    if not commits:
        return []
    last = len(commits) - 1
    if every is not None:
        return [i for i in range(len(commits)) if (last - i) % every == 0]
    chosen: dict[tuple[int, int], int] = {}
    for i, commit in enumerate(commits):
        week = datetime.fromtimestamp(commit.timestamp, UTC).isocalendar()
        chosen[(week[0], week[1])] = i
    indices = set(chosen.values()) | {last}
    if len(indices) < MIN_WEEKLY_POINTS and len(commits) > len(indices):
        step = -(-len(commits) // MAX_COMMIT_POINTS)  # ceiling division
        return [i for i in range(len(commits)) if (last - i) % step == 0]
    return sorted(indices)


def path_filter(repo: str, paths: Iterable[str], config: Config | None
                ) -> Callable[[str], bool]:
    """Which repository paths count: `.py`, under one of `paths`, not skipped or excluded
    (the same rules as `discover`, so history and the current tree count the same files)."""
    prefixes: list[str] = []
    for path in paths:
        rel = os.path.relpath(os.path.realpath(os.path.abspath(path)), repo)
        if rel.startswith(".."):
            raise GitError(f"{path} is outside the repository at {repo}")
        if rel == ".":
            prefixes = []
            break
        prefixes.append(rel.replace(os.sep, "/"))
    memo: dict[str, bool] = {}

    def keep(path: str) -> bool:
        found = memo.get(path)
        if found is None:
            parts = path.split("/")
            found = (path.endswith(".py")
                     and not any(skipped_directory(p) for p in parts[:-1])
                     and (not prefixes or any(path == p or path.startswith(p + "/")
                                              for p in prefixes))
                     and not (config is not None and config.exclude
                              and config.is_excluded(os.path.join(repo, path))))
            memo[path] = found
        return found

    return keep


Delta = list[tuple[str, str | None, str | None]]  # (path, blob before, blob now)


def _deltas(repo: str, commits: list[Commit], samples: list[int], keep: Callable[[str], bool]
            ) -> list[tuple[Commit, Delta]]:
    """Replay the changes; for each sampled commit, the files that differ from the previous
    sample (the first sample: all of them). Blobs between two samples are never read."""
    state: dict[str, str] = {}
    first = commits[samples[0]] if samples else None
    if commits and commits[0].parent is not None and first is not None:
        state = {p: sha for p, sha in tree_files(repo, commits[0].parent).items() if keep(p)}
    dirty: set[str] = set(state)
    counted: dict[str, str] = {}
    wanted = set(samples)
    out: list[tuple[Commit, Delta]] = []
    for i, commit in enumerate(commits):
        for change in commit.changes:
            if not keep(change.path):
                continue
            if change.sha is None:
                state.pop(change.path, None)
            else:
                state[change.path] = change.sha
            dirty.add(change.path)
        if i not in wanted:
            continue
        delta: Delta = []
        for path in sorted(dirty):
            before, now = counted.get(path), state.get(path)
            if before != now:
                delta.append((path, before, now))
                if now is None:
                    del counted[path]
                else:
                    counted[path] = now
        dirty.clear()
        out.append((commit, delta))
    return out


def _executor(jobs: int) -> ProcessPoolExecutor:
    # fork on Linux: workers start at once with everything imported (spawn and forkserver
    # re-run the CLI's imports in each worker, a second or two each). It is safe because
    # nothing here runs a thread when the pool forks (the progress display is refreshed from
    # our callback, the blob reader is a plain pipe). Elsewhere spawn: slower to start, but
    # the only safe choice on macOS and Windows.
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))


def _count_blobs(repo: str, shas: list[str], cache: BlobCache, jobs: int, stats: Stats,
                 progress: Progress | None) -> None:
    """Read `shas` with one cat-file process and count them, in worker processes when many
    need a parse; results go into the cache as they arrive."""
    total, done = len(shas), 0
    if progress:
        progress("count", 0, total)

    def finished(results: Iterable[tuple[str, BlobCounts]]) -> None:
        nonlocal done
        for sha, counts in results:
            cache.put(sha, counts)
            done += 1
        if progress:
            progress("count", done, total)

    def to_parse() -> Iterator[list[tuple[str, bytes]]]:
        chunk: list[tuple[str, bytes]] = []
        with BlobReader(repo) as reader:
            for sha, data in reader.read(shas):
                stats.blobs_read += 1
                if data is None or not needs_parse(data):
                    finished([(sha, ZERO if data is not None else failed("missing"))])
                    continue
                stats.blobs_parsed += 1
                chunk.append((sha, data))
                if len(chunk) >= _CHUNK:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    if jobs <= 1 or total < _PARALLEL_MIN:
        for chunk in to_parse():
            finished(count_chunk(chunk))
        return
    with _executor(jobs) as pool:
        # Start the workers before cat-file: forked later, they would inherit its stdin and
        # keep it open, so cat-file would never see the end of its input and never exit.
        pool.submit(count_chunk, []).result()
        pending: list[Future[list[tuple[str, BlobCounts]]]] = []
        for chunk in to_parse():
            pending.append(pool.submit(count_chunk, chunk))
            while len(pending) > 4 * jobs or (pending and pending[0].done()):
                finished(pending.pop(0).result())
        for future in pending:
            finished(future.result())


def walk_history(start: str, paths: Iterable[str] | None = None, *, every: int | None = None,
                 since: str | None = None, cache_dir: str | None = None,
                 config: Config | None = None, layers: Layers | None = None, jobs: int = 1,
                 rev: str = "HEAD", progress: Progress | None = None) -> History:
    """Count IC and async functions (and lines) at sampled first-parent commits of `rev`.

    `start` is any path in the repository; `paths` (default: `start`) limit which files count.
    """
    began = time.perf_counter()
    if every is not None and every < 1:
        raise GitError("--every must be at least 1")
    repo = toplevel(start)
    keep = path_filter(repo, [start] if paths is None else paths, config)
    if progress:
        progress("log", 0, 0)
    commits = first_parent_log(repo, rev, since)
    if progress:
        progress("log", len(commits), len(commits))
    samples = sample(commits, every)
    deltas = _deltas(repo, commits, samples, keep)
    cache = BlobCache(cache_dir or os.path.join(repo, ".txasync", "cache"))
    needed = sorted({now for _, delta in deltas for _, _, now in delta if now is not None})
    stats = Stats(commits_walked=len(commits), commits_sampled=len(samples), blobs=len(needed))
    try:
        _count_blobs(repo, [s for s in needed if s not in cache.blobs], cache, jobs, stats,
                     progress)
    finally:
        cache.save()
    points, unparsable = _fold(deltas, cache.blobs, layers or [], repo, config)
    stats.seconds = round(time.perf_counter() - began, 3)
    return History(repo, points, stats, unparsable)


def _fold(deltas: list[tuple[Commit, Delta]], blobs: dict[str, BlobCounts], layers: Layers,
          repo: str, config: Config | None) -> tuple[list[Point], list[dict[str, str]]]:
    """Running totals over the per-sample deltas (each file's counts out, new counts in)."""
    total = [0] * NUMBERS
    per_layer = {name: [0] * NUMBERS for name, _ in layers}
    root = config.root if config is not None else repo
    layer_memo: dict[str, str | None] = {}
    files = broken = 0
    seen_broken: dict[str, dict[str, str]] = {}
    points: list[Point] = []
    for commit, delta in deltas:
        for path, before, now in delta:
            if layers and path not in layer_memo:
                layer_memo[path] = layer_of(relative(os.path.join(repo, path), root), layers)
            targets = [total]
            layer = layer_memo.get(path)
            if layer is not None:
                targets.append(per_layer[layer])
            for sha, sign in ((before, -1), (now, 1)):
                if sha is None:
                    continue
                counts = blobs.get(sha, ZERO)
                files += sign
                error = counts[NUMBERS]
                if error:
                    broken += sign
                    if sign > 0 and sha not in seen_broken:
                        seen_broken[sha] = {"path": path, "commit": commit.sha, "blob": sha,
                                            "error": str(error)}
                for target in targets:
                    for k in range(NUMBERS):
                        target[k] += sign * int(counts[k])
        points.append(Point(commit.sha, commit.timestamp, commit.subject, Counts(*total),
                            files, broken,
                            {name: Counts(*c) for name, c in per_layer.items()}))
    return points, list(seen_broken.values())
