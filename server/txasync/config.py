"""Settings: `[tool.txasync]` in the nearest pyproject.toml, overridden by flags or the editor.

What is safe depends on the project's *minimum* Twisted, so the version is part of the
configuration, resolved in a fixed order: explicit setting, pyproject, the installed Twisted,
then the oldest supported release (the conservative answer).
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass, field, replace
from importlib import metadata
from typing import Any, Literal

OLDEST_SUPPORTED = (21, 2)

UnknownYield = Literal["maybe-deferred", "await", "refuse"]


class ConfigError(ValueError):
    """A setting has a value txasync cannot use; the message says which and why."""


def parse_version(text: str) -> tuple[int, int]:
    parts = str(text).strip().split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else 0
    except (ValueError, IndexError):
        raise ConfigError(f"twisted-version must look like 24.7, not {text!r}") from None
    return major, minor


def installed_twisted_version() -> tuple[int, int] | None:
    try:
        return parse_version(metadata.version("twisted"))
    except (metadata.PackageNotFoundError, ConfigError):
        return None


@dataclass(frozen=True)
class Config:
    twisted_version: tuple[int, int] = OLDEST_SUPPORTED
    twisted_version_source: str = "default"
    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    exclude: tuple[str, ...] = ()
    keep_deferred_api: tuple[str, ...] = ()
    coroutine_aware_decorators: frozenset[str] = frozenset()
    wrapper: Literal["ensureDeferred", "fromCoroutine"] = "ensureDeferred"
    unknown_yield: UnknownYield = "maybe-deferred"
    jedi: bool = False  # ask jedi about receivers static resolution cannot type (slow)
    # Migration layers for `txasync progress`: (name, path globs), first match wins.
    layers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    root: str = "."
    # `[tool.txasync] test-command`: how to run the project's tests (`fix --verify`, the
    # editor's "Convert and verify"); a list of arguments, or a string split shell-style.
    test_command: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def at_least(self, major: int, minor: int) -> bool:
        return self.twisted_version >= (major, minor)

    def code_enabled(self, code: str, path: str | None = None) -> bool:
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        if any(code.startswith(i) for i in self.ignore):
            return False
        if path is not None:
            rel = os.path.relpath(path, self.root) if os.path.isabs(path) else path
            for pattern, codes in self.per_file_ignores:
                if fnmatch.fnmatch(rel, pattern) and any(code.startswith(c) for c in codes):
                    return False
        return True

    def is_excluded(self, path: str) -> bool:
        rel = os.path.relpath(path, self.root)
        parts = rel.split(os.sep)
        for pattern in self.exclude:
            if fnmatch.fnmatch(rel, pattern) or any(fnmatch.fnmatch(p, pattern) for p in parts):
                return True
        return False

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def find_pyproject(start: str) -> str | None:
    directory = os.path.abspath(start)
    if os.path.isfile(directory):
        directory = os.path.dirname(directory)
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _codes(value: Any, key: str) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of rule codes such as ['TXA003']")
    return frozenset(v.strip().upper() for v in value if v.strip())


def config_from_table(table: dict[str, Any], root: str) -> Config:
    """Build a Config from a `[tool.txasync]` table (also used for LSP settings)."""
    cfg = Config(root=root)
    changes: dict[str, Any] = {}
    version = table.get("twisted-version", table.get("twistedVersion"))
    if version is not None:
        changes["twisted_version"] = parse_version(str(version))
        changes["twisted_version_source"] = "configuration"
    for key in ("select", "ignore"):
        if key in table:
            changes[key] = _codes(table[key], key)
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError("per-file-ignores must be a table of glob = [codes]")
    changes["per_file_ignores"] = tuple(
        (glob, _codes(codes, "per-file-ignores")) for glob, codes in pfi.items()
    )
    for key, attr in (("exclude", "exclude"), ("keep-deferred-api", "keep_deferred_api")):
        value = table.get(key, [])
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list of glob patterns")
        changes[attr] = tuple(str(v) for v in value)
    decorators = table.get("coroutine-aware-decorators", [])
    if not isinstance(decorators, list):
        raise ConfigError("coroutine-aware-decorators must be a list of dotted names")
    changes["coroutine_aware_decorators"] = frozenset(str(v) for v in decorators)
    wrapper = table.get("wrapper", "ensureDeferred")
    if wrapper not in ("ensureDeferred", "fromCoroutine"):
        raise ConfigError("wrapper must be 'ensureDeferred' or 'fromCoroutine'")
    changes["wrapper"] = wrapper
    unknown = table.get("unknown-yield", "maybe-deferred")
    if unknown not in ("maybe-deferred", "await", "refuse"):
        raise ConfigError("unknown-yield must be 'maybe-deferred', 'await' or 'refuse'")
    changes["unknown_yield"] = unknown
    changes["layers"] = tuple(parse_layers(table.get("layers")))
    jedi = table.get("jedi", False)
    if not isinstance(jedi, bool):
        raise ConfigError("jedi must be true or false")
    changes["jedi"] = jedi
    command = table.get("test-command", table.get("testCommand", []))
    if isinstance(command, str):
        import shlex

        command = shlex.split(command)
    if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
        raise ConfigError("test-command must be a list of arguments or a string")
    changes["test_command"] = tuple(command)
    return replace(cfg, **changes)


def parse_layers(table: Any) -> list[tuple[str, tuple[str, ...]]]:
    """Validate a `[tool.txasync.layers]` table: name -> glob or list of globs."""
    if table is None:
        return []
    if not isinstance(table, dict):
        raise ConfigError("[tool.txasync.layers] must be a table of name = [globs]")
    layers = []
    for name, globs in table.items():
        if isinstance(globs, str):
            globs = [globs]
        if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
            raise ConfigError(f"[tool.txasync.layers] {name} must be a list of path globs")
        layers.append((str(name), tuple(globs)))
    return layers


def load_config(start: str, twisted_version: str | None = None) -> Config:
    """The configuration for files under `start`, with the Twisted version resolved."""
    path = find_pyproject(start)
    table: dict[str, Any] = {}
    root = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    if path is not None:
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read [tool.txasync]: {exc}") from None
        table = data.get("tool", {}).get("txasync", {}) or {}
        root = os.path.dirname(path)
    cfg = config_from_table(table, root)
    if twisted_version is not None:
        return replace(
            cfg, twisted_version=parse_version(twisted_version), twisted_version_source="flag"
        )
    if cfg.twisted_version_source == "default":
        installed = installed_twisted_version()
        if installed is not None:
            return replace(cfg, twisted_version=installed, twisted_version_source="installed")
    return cfg
