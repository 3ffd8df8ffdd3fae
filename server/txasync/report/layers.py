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
import tomllib
from typing import Any

from ..config import Config, ConfigError, find_pyproject

Layers = list[tuple[str, tuple[str, ...]]]


def parse_layers(table: Any) -> Layers:
    """Validate a `[tool.txasync.layers]` table: name -> glob or list of globs."""
    if table is None:
        return []
    if not isinstance(table, dict):
        raise ConfigError("[tool.txasync.layers] must be a table of name = [globs]")
    layers: Layers = []
    for name, globs in table.items():
        if isinstance(globs, str):
            globs = [globs]
        if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
            raise ConfigError(f"[tool.txasync.layers] {name} must be a list of path globs")
        layers.append((str(name), tuple(globs)))
    return layers


def layers_for(config: Config) -> Layers:
    """The configured layers; read from pyproject.toml because Config does not carry them yet."""
    direct = getattr(config, "layers", None)
    if direct is not None:
        return parse_layers(dict(direct))
    if "layers" in config.extra:
        return parse_layers(config.extra["layers"])
    path = find_pyproject(config.root)
    if path is None:
        return []
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read [tool.txasync.layers]: {exc}") from None
    return parse_layers(data.get("tool", {}).get("txasync", {}).get("layers"))


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
