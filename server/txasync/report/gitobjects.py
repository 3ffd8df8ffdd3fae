"""Read a repository's history straight from git objects: no checkouts, few processes.

One `git log --raw` lists every first-parent commit with the files it changed (blob hashes
included), so the tree of any commit is known by replaying those changes; blob contents come
from one long-lived `git cat-file --batch`. A 5,000-commit history costs two processes, not
one per commit, and the working tree and index are never touched.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

REGULAR_MODES = frozenset({"100644", "100755"})
_ZERO = "0" * 40
# Requests written to cat-file before reading answers: small enough that the hashes always
# fit in the pipe buffer (so neither side can block the other), large enough to keep git busy.
_WINDOW = 256


class GitError(Exception):
    """git is missing, the path is not in a repository, or a git command failed."""


@dataclass
class Change:
    path: str
    sha: str | None  # None: the path no longer holds a regular file


@dataclass
class Commit:
    sha: str
    parent: str | None
    timestamp: int  # committer date, seconds since the epoch (UTC)
    subject: str
    changes: list[Change] = field(default_factory=list)


def git(repo: str, *args: str, input: bytes | None = None) -> bytes:
    """Run a git command in `repo` and return its stdout; failures become GitError."""
    try:
        done = subprocess.run(["git", "-C", repo, *args], input=input, capture_output=True,
                              check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def toplevel(start: str) -> str:
    """The work tree root of the repository containing `start`."""
    directory = start if os.path.isdir(start) else os.path.dirname(os.path.abspath(start))
    try:
        out = git(directory or ".", "rev-parse", "--show-toplevel")
    except GitError as exc:
        raise GitError(f"{start} is not inside a git repository ({exc})") from None
    return os.path.realpath(out.decode("utf-8", "surrogateescape").strip())


def _tokens(chunks: Iterable[bytes]) -> Iterator[bytes]:
    rest = b""
    for chunk in chunks:
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def parse_log(chunks: Iterable[bytes]) -> list[Commit]:
    """Parse `git log -z --raw --format=%x01%H %P %ct %s` output, newest commit first.

    Tokens are NUL-separated: a header (starting with \\x01), then for each changed file a
    `:modes shas status` token followed by its path token (renames are off, so one path).
    """
    commits: list[Commit] = []
    tokens = _tokens(chunks)
    for token in tokens:
        token = token.lstrip(b"\n")
        if token.startswith(b"\x01"):
            head, _, subject = token[1:].partition(b"\x02")
            fields = head.split(b" ")
            sha, parents, stamp = fields[0], [p for p in fields[1:-1] if p], fields[-1]
            commits.append(Commit(_decode(sha), _decode(parents[0]) if parents else None,
                                  int(stamp), _decode(subject)))
        elif token.startswith(b":"):
            path = _decode(next(tokens))
            meta = token[1:].split(b" ")
            new_mode, new_sha = _decode(meta[1]), _decode(meta[3])
            regular = new_mode in REGULAR_MODES and new_sha != _ZERO
            commits[-1].changes.append(Change(path, new_sha if regular else None))
        elif token:
            raise GitError(f"cannot parse git log output near {token[:40]!r}")
    return commits


def _log(repo: str, args: list[str]) -> tuple[list[Commit], int, list[str]]:
    try:
        proc = subprocess.Popen(["git", "-C", repo, *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    stdout, stderr = proc.stdout, proc.stderr
    assert stdout is not None and stderr is not None
    try:
        commits = parse_log(iter(lambda: stdout.read(1 << 20), b""))
    finally:
        stdout.close()
        message = _decode(stderr.read()).strip().splitlines()
        stderr.close()
        code = proc.wait()
    return commits, code, message


def first_parent_log(repo: str, rev: str = "HEAD", since: str | None = None) -> list[Commit]:
    """First-parent commits of `rev`, oldest first, with the files each changed.

    First-parent keeps the mainline view a chart needs (a merged branch arrives as one step)
    and, with `--diff-merges=first-parent`, a merge's changes are those it brought in.
    """
    tail = ["--raw", "-z", "--no-renames", "--no-abbrev", "--format=%x01%H %P %ct%x02%s"]
    if since:
        tail.append(f"--since={since}")
    tail += [rev, "--"]
    commits, code, message = _log(repo, ["log", "--first-parent",
                                         "--diff-merges=first-parent", *tail])
    if code != 0 and any("diff-merges" in m for m in message):
        # git before 2.31: `-m` with --first-parent gives the same first-parent diffs
        commits, code, message = _log(repo, ["log", "--first-parent", "-m", *tail])
    if code != 0:
        if any("does not have any commits" in m or "bad default revision" in m
               or (rev == "HEAD" and "bad revision 'HEAD'" in m)
               for m in message):
            return []
        raise GitError(f"git log failed: {message[-1] if message else code}")
    commits.reverse()
    return commits


def tree_files(repo: str, commit: str) -> dict[str, str]:
    """path -> blob hash of the regular files in a commit's tree (recursive)."""
    files: dict[str, str] = {}
    for entry in git(repo, "ls-tree", "-r", "-z", "--full-tree", commit).split(b"\0"):
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        mode, kind, sha = _decode(meta).split(" ")
        if kind == "blob" and mode in REGULAR_MODES:
            files[_decode(path)] = sha
    return files


class BlobReader:
    """A `git cat-file --batch` process: many blobs, one process, no temporary files."""

    def __init__(self, repo: str) -> None:
        try:
            self._proc = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None

    def read(self, shas: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
        """(hash, content) for each hash, in order; content None for a missing object."""
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        pending = list(shas)
        for start in range(0, len(pending), _WINDOW):
            window = pending[start:start + _WINDOW]
            stdin.write("".join(f"{sha}\n" for sha in window).encode("ascii"))
            stdin.flush()
            for sha in window:
                header = stdout.readline()
                if not header:
                    raise GitError("git cat-file stopped answering")
                parts = header.split()
                if len(parts) < 3 or parts[1] == b"missing":
                    yield sha, None
                    continue
                size = int(parts[2])
                data = stdout.read(size)
                stdout.read(1)  # the newline after the content
                yield sha, data

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
