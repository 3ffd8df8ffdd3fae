"""Writing files so that an interrupted run leaves each file either old or new.

The new text goes to a temporary file in the same directory (same filesystem), is flushed
and fsynced, takes the original's permission bits, and replaces the original with
`os.replace`, which is atomic on POSIX. Symlinks are resolved first so the link survives
and the target is what changes; a link pointing outside `root` is refused.
"""

from __future__ import annotations

import os
import stat
import tempfile


def write_atomic(path: str, text: str, encoding: str = "utf-8", root: str | None = None) -> None:
    target = os.path.realpath(path)
    if root is not None and os.path.islink(path):
        real_root = os.path.realpath(root)
        if os.path.commonpath([real_root, target]) != real_root:
            raise OSError(f"refusing to write through a symlink that leaves {root}")
    data = text.encode(encoding)
    mode = stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else 0o644
    _replace(target, data, ".txasync-", durable=True, mode=mode)


def write_cache_entry(cache_dir: str, target: str, data: bytes) -> None:
    """Write one cache entry under `cache_dir` (`.txasync/cache`) whole or not at all.

    The folder gets a `.gitignore` of `*` the first time (a cache is never part of the
    project's history). No fsync: a lost entry is only a cache miss, and the facts cache
    writes one entry per file of a tree."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    ignore = os.path.join(cache_dir, ".gitignore")
    if not os.path.exists(ignore):
        with open(ignore, "w", encoding="utf-8") as handle:
            handle.write("*\n")
    _replace(target, data, ".entry-", durable=False)


def _replace(target: str, data: bytes, prefix: str, durable: bool, mode: int | None = None
             ) -> None:
    """Write `data` to a temporary file beside `target`, then rename it over `target`; the
    temporary file is removed if anything fails (an interrupt included). `durable` fsyncs
    first: a project's file must survive a crash, a cache entry need not."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp",
                               dir=os.path.dirname(target) or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
