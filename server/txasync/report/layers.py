"""Layers: named groups of files (path globs) for the "which layer is async yet" view.

Synapse converted outside in (REST, then handlers, then storage) and tracked each layer on its
own, because "42% async" says little when the REST layer is done and storage is untouched.
Layers come from `[tool.txasync.layers]` in pyproject.toml, for example
`rest = ["*/rest/*"]`; globs are matched (fnmatch, so `*` crosses `/`) against the file's
path relative to the project root, in the order the table lists them: the first layer that
matches wins, and a file no layer matches belongs to none.
"""

from __future__ import annotations

import fnmatch
import os

from ..config import Config, parse_layers  # noqa: F401 - re-exported for callers

Layers = list[tuple[str, tuple[str, ...]]]


def layers_for(config: Config) -> Layers:
    """The configured layers (`[tool.txasync.layers]`, parsed with the rest of the config)."""
    return list(config.layers)


def relative(path: str, root: str) -> str:
    """`path` relative to `root` with `/` separators (how globs and baselines see files)."""
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path, root)
        except ValueError:  # another drive on Windows
            return path.replace(os.sep, "/")
        if not rel.startswith(".."):
            path = rel
    return path.replace(os.sep, "/")


def layer_of(rel_path: str, layers: Layers) -> str | None:
    """The first layer whose globs match the root-relative path, or None."""
    for name, globs in layers:
        if any(fnmatch.fnmatchcase(rel_path, g) for g in globs):
            return name
    return None
