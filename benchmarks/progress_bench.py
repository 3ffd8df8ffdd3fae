"""`txasync progress --history` over a generated repository, against `git log --stat`.

Run: python benchmarks/progress_bench.py [--commits 2000] [--files 2000] [--jobs N]

The repository is generated with `git fast-import` (seconds, not minutes): an initial commit
of `--files` modules full of inlineCallbacks functions, then commits that convert functions
to `async def`, add IC and async functions, add and rename modules, at a pace of about three
commits a day. The history walk reads *every* commit (`--every 1`, the worst case), first
with an empty cache and then again with the cache it left. `git log --stat` over the same
history is the baseline: it also reads every commit's changed blobs. The ratio, not the
seconds, is what to compare between machines.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from txasync.report.history import walk_history

START = 1_600_000_000  # 2020-09-13
HEADER = "from twisted.internet import defer\n"


@dataclass
class Function:
    name: str
    is_async: bool
    body: int  # statements after the first await/yield


@dataclass
class Module:
    functions: list[Function] = field(default_factory=list)

    def render(self) -> str:
        parts = [HEADER]
        for fn in self.functions:
            body = "".join(f"    x = x + {i}\n" for i in range(fn.body))
            if fn.is_async:
                parts.append(f"\n\nasync def {fn.name}(d):\n    x = await d\n{body}"
                             "    return x\n")
            else:
                parts.append(f"\n\n@defer.inlineCallbacks\ndef {fn.name}(d):\n"
                             f"    x = yield d\n{body}    return x\n")
        return "".join(parts)


class Generator:
    """A deterministic history: the share of async code grows as the commits go by."""

    per_module = 1  # at most this many functions converted per module and commit

    def __init__(self, commits: int, files: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.commits = commits
        self.modules: dict[str, Module] = {}
        self.serial = 0
        for i in range(files):
            self.modules[self._path(i)] = Module([self._function(0.05)
                                                  for _ in range(self.rng.randint(2, 8))])

    def _path(self, i: int) -> str:
        return f"app/layer{i % 3}/pkg{i % 40}/mod{i}.py"

    def _function(self, p_async: float) -> Function:
        self.serial += 1
        return Function(f"f{self.serial}", self.rng.random() < p_async, self.rng.randint(1, 12))

    def candidates(self, paths: list[str], action: str, progress: float, k: int) -> list[str]:
        """The modules the next commit touches (a subclass may steer conversion)."""
        return self.rng.sample(paths, k)

    def step(self, n: int) -> tuple[str, dict[str, str | None]]:
        """The n-th commit: its message and {path: new text, or None for a deletion}."""
        progress = n / self.commits
        changes: dict[str, str | None] = {}
        rng = self.rng
        action = rng.choices(["convert", "add", "new", "rename"], [6, 3, 1, 0.3])[0]
        paths = sorted(self.modules)
        if action == "rename":
            old = rng.choice(paths)
            new = old.replace(".py", f"_r{n}.py")
            self.modules[new] = self.modules.pop(old)
            changes[old] = None
            changes[new] = self.modules[new].render()
            return f"move {old}", changes
        if action == "new":
            path = f"app/new/pkg{n % 17}/mod_n{n}.py"
            self.modules[path] = Module([self._function(progress)
                                         for _ in range(rng.randint(1, 5))])
            changes[path] = self.modules[path].render()
            return f"add {path}", changes
        for path in self.candidates(paths, action, progress, rng.randint(1, 3)):
            module = self.modules[path]
            if action == "convert" and rng.random() < 0.4 + progress:
                remaining = [fn for fn in module.functions if not fn.is_async]
                for fn in remaining[:rng.randint(1, self.per_module)]:
                    fn.is_async = True
            else:
                module.functions.append(self._function(min(0.95, progress * 1.5)))
            changes[path] = module.render()
        return f"{action} in {len(changes)} modules", changes


def _data(text: str) -> bytes:
    raw = text.encode("utf-8")
    return b"data %d\n%s\n" % (len(raw), raw)


def make_repo(path: str, commits: int, files: int, seconds_between: int = 8 * 3600,
              generator: type[Generator] = Generator) -> None:
    """Create a repository at `path` with `commits` commits on main (fast-import)."""
    os.makedirs(path, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True)
    gen = generator(commits, files)
    stream: list[bytes] = []
    for n in range(commits):
        if n == 0:
            message = "initial import"
            changes: dict[str, str | None] = {p: m.render() for p, m in gen.modules.items()}
        else:
            message, changes = gen.step(n)
        when = START + n * seconds_between
        stream.append(b"commit refs/heads/main\nmark :%d\n" % (n + 1))
        stream.append(b"committer bench <bench@example.invalid> %d +0000\n" % when)
        stream.append(_data(message))
        if n:
            stream.append(b"from :%d\n" % n)
        for file_path, text in sorted(changes.items()):
            if text is None:
                stream.append(b"D %s\n" % file_path.encode())
            else:
                stream.append(b"M 100644 inline %s\n" % file_path.encode())
                stream.append(_data(text))
        stream.append(b"\n")
    subprocess.run(["git", "-C", path, "fast-import", "--quiet"], input=b"".join(stream),
                   check=True)
    subprocess.run(["git", "-C", path, "reset", "-q", "--hard", "main"], check=True)


def _timed(job) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = job()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", metavar="DIR", help="build the repository here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = args.keep or os.path.join(tmp, "repo")
        built, _ = _timed(lambda: make_repo(repo, args.commits, args.files))
        cache = os.path.join(tmp, "cache")
        git_log, _ = _timed(lambda: subprocess.run(
            ["git", "-C", repo, "log", "--stat", "--no-color"], stdout=subprocess.DEVNULL,
            check=True))
        cold, first = _timed(lambda: walk_history(repo, every=1, cache_dir=cache,
                                                  jobs=args.jobs))
        warm, second = _timed(lambda: walk_history(repo, every=1, cache_dir=cache,
                                                   jobs=args.jobs))
        weekly, third = _timed(lambda: walk_history(repo, cache_dir=os.path.join(tmp, "c2"),
                                                    jobs=args.jobs))
    n = first.stats.commits_walked  # type: ignore[attr-defined]
    last = first.points[-1].counts  # type: ignore[attr-defined]
    print(f"repository: {n} commits, {first.points[-1].files} Python files at HEAD "  # type: ignore[attr-defined]
          f"(generated in {built:.1f} s); jobs={args.jobs}, Python {sys.version.split()[0]}")
    print(f"HEAD: {last.inlinecallbacks} IC / {last.async_} async functions, "
          f"{last.share_async:.0%} async; {last.deferred} pass-through/chain functions")
    print(f"git log --stat                    {git_log:8.2f} s  "
          f"{git_log / n * 1000:7.3f} ms/commit")
    for name, seconds, result in (("history --every 1 (cold cache)", cold, first),
                                  ("history --every 1 (warm cache)", warm, second),
                                  ("history weekly (cold cache)", weekly, third)):
        stats = result.stats  # type: ignore[attr-defined]
        print(f"{name:33s} {seconds:8.2f} s  {seconds / n * 1000:7.3f} ms/commit  "
              f"ratio to git log --stat: {seconds / git_log:6.2f}x  "
              f"({stats.commits_sampled} points, {stats.blobs_read} blobs read, "
              f"{stats.blobs_parsed} parsed)")


if __name__ == "__main__":
    main()
