"""File URIs and paths: one conversion, used everywhere, so keys always match."""

from __future__ import annotations

import os

from pygls import uris


def to_path(uri: str) -> str | None:
    """The absolute path of a `file:` URI (None for other schemes: untitled buffers, ...)."""
    if not uri.startswith("file:"):
        return None
    path = uris.to_fs_path(uri)
    return os.path.abspath(path) if path else None


def from_path(path: str) -> str:
    uri = uris.from_fs_path(os.path.abspath(path))
    assert uri is not None
    return str(uri)
