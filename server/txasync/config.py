"""Settings: `[tool.txasync]` in the nearest pyproject.toml, overridden by flags or the editor.

What is safe depends on the project's *minimum* Twisted, so the version is part of the
configuration, resolved in a fixed order: explicit setting, pyproject's `twisted-version`,
the oldest release the project's declared dependencies allow (declared.py), the Twisted
installed in the project's interpreter (environment.py), then the oldest supported release
(the conservative answer, announced with a notice).
"""

from __future__ import annotations

import fnmatch
import os
import sys
import tomllib
from dataclasses import dataclass, field, replace
from importlib import metadata
from typing import Any, Literal

OLDEST_SUPPORTED = (21, 2)

UnknownYield = Literal["maybe-deferred", "await", "refuse"]
PublicApi = Literal["keep", "convert"]

# How each source of the Twisted version is named in headers, JSON and the editor.
VERSION_SOURCES = {
    "flag": "--twisted-version",
    "configuration": "twisted-version in the configuration",
    "declared": "the oldest the project's dependencies allow",
    "installed": "installed in the project's interpreter",
    "default": "the oldest supported release (no Twisted declared or installed)",
}



# The keys `[tool.txasync]` reads; any other key is reported (a typo must not pass silently).
KNOWN_KEYS = frozenset({
    "twisted-version", "twistedVersion", "select", "ignore", "per-file-ignores", "exclude",
    "keep-deferred-api", "coroutine-aware-decorators", "wrapper", "unknown-yield", "layers",
    "jedi", "python", "public-api", "publicApi", "convert", "test-command", "testCommand",
    "format",
})


class ConfigError(ValueError):
    """A setting has a value txasync cannot use; the message says which and why."""


def rule_codes() -> tuple[str, ...]:
    """Every rule code, in order, from the rules' registry (rules/__init__.py). Imported when
    first needed, not with this module: the rules read the analysis, which reads this."""
    from .rules import RULES

    return tuple(RULES)


def check_codes(codes: frozenset[str] | set[str], where: str) -> None:
    """Raise ConfigError naming the codes (or prefixes) no rule has, with the list of rules:
    a misspelt `--select` would otherwise select nothing and pass CI."""
    known = rule_codes()
    unknown = sorted(c for c in codes if not any(r.startswith(c) for r in known))
    if unknown:
        raise ConfigError(f"{where}: unknown rule code{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(unknown)} (the codes are {', '.join(known)}; "
                          f"a prefix such as {known[-1][:-1]} selects several)")


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
    twisted_version_source: str = "default"  # a key of VERSION_SOURCES
    twisted_version_detail: str = ""  # e.g. "pyproject.toml: twisted>=22.8"
    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    exclude: tuple[str, ...] = ()
    keep_deferred_api: tuple[str, ...] = ()
    coroutine_aware_decorators: frozenset[str] = frozenset()
    wrapper: Literal["ensureDeferred", "fromCoroutine"] = "ensureDeferred"
    unknown_yield: UnknownYield = "maybe-deferred"
    jedi: bool = False  # ask jedi about receivers static resolution cannot type (slow)
    # The project's interpreter (environment.py): as configured, the one used and why.
    python: str | None = None
    target_python: str = ""
    target_python_source: str = ""
    installed_twisted: str | None = None
    # Where library source is read from (None: txasync's own sys.path).
    library_path: tuple[str, ...] | None = None
    # Public functions of a distribution keep their Deferred API ("keep") or convert.
    public_api: PublicApi = "convert"
    public_api_source: str = "default"
    distribution: str | None = None  # the distribution the project declares, if any
    convert: tuple[str, ...] = ()  # globs converted even when public
    # Migration layers for `txasync progress`: (name, path globs), first match wins.
    layers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    root: str = "."
    # `[tool.txasync] test-command`: how to run the project's tests (`fix --verify`, the
    # editor's "Convert and verify"); a list of arguments, or a string split shell-style.
    test_command: tuple[str, ...] = ()
    # `[tool.txasync] format`: format the changed lines with the project's formatter
    # ("auto": the one its configuration names; "ruff", "black"; "none": txasync's layout).
    format_changed: str = "none"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    # Problems that do not stop a run (unknown `[tool.txasync]` keys), for the user to see.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def version_line(self) -> str:
        """One line: the Twisted version conversions must be safe on, and where it came
        from; and the interpreter whose libraries were read."""
        major, minor = self.twisted_version
        source = VERSION_SOURCES.get(self.twisted_version_source, self.twisted_version_source)
        detail = f": {self.twisted_version_detail}" if self.twisted_version_detail else ""
        line = f"target Twisted {major}.{minor} ({source}{detail})"
        if self.target_python:
            line += f"; libraries read from {self.target_python} ({self.target_python_source})"
        return line

    def version_notice(self) -> str | None:
        """The one-line notice printed when the version is a fallback, not the project's."""
        if self.twisted_version_source != "default":
            return None
        major, minor = self.twisted_version
        return (f"notice: no Twisted requirement declared and none installed in "
                f"{self.target_python or 'the interpreter'}; assuming Twisted {major}.{minor}, "
                "the oldest supported (declare twisted>=X.Y, or pass --twisted-version or "
                "--python)")

    def environment_json(self) -> dict[str, Any]:
        major, minor = self.twisted_version
        return {"twisted_version": f"{major}.{minor}",
                "twisted_version_source": self.twisted_version_source,
                "twisted_version_detail": self.twisted_version_detail,
                "notice": self.version_notice(),
                "python": self.target_python or None,
                "python_source": self.target_python_source or None,
                "installed_twisted": self.installed_twisted,
                "public_api": self.public_api,
                "public_api_source": self.public_api_source}

    def at_least(self, major: int, minor: int) -> bool:
        return self.twisted_version >= (major, minor)

    def shown_in_reports(self, code: str) -> bool:
        """Whether the CLI's reports list this code's findings. Opt-in codes (one finding
        per uncertain yield: hundreds on a large project) are listed only when `select`
        names them exactly (their count is in another rule's message, and the editor shows
        them as hints)."""
        from .rules import RULES

        rule = RULES.get(code)
        return rule is None or not rule.opt_in or code in self.select

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


ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git", "tox.ini")


@dataclass(frozen=True)
class ProjectRoot:
    """The project root chosen for a file the editor sent no workspace folder for: where,
    how it was found (`kind`), and the reason as shown to the user (`why`)."""

    path: str
    kind: Literal["marker", "package", "folder"]
    why: str

    @property
    def loose(self) -> bool:
        """No project marker and no package: the file's own folder, which may be a home
        directory of unrelated scripts (so only open files are analysed there)."""
        return self.kind == "folder"


def find_root(path: str) -> ProjectRoot:
    """The project a file belongs to, for an editor that sent no workspace folder: the
    nearest folder holding pyproject.toml, setup.py, setup.cfg, .git or tox.ini (not the
    home folder or `/`), else the top of the package tree the file is in (the folder above
    the outermost one with an `__init__.py`), else the file's own folder."""
    start = os.path.abspath(path)
    directory = os.path.dirname(start) if not os.path.isdir(start) else start
    stops = {os.path.expanduser("~"), os.path.abspath(os.sep)}
    current = directory
    while current not in stops:
        for marker in ROOT_MARKERS:
            if os.path.exists(os.path.join(current, marker)):
                return ProjectRoot(current, "marker", f"nearest folder with {marker}")
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    top = directory
    while os.path.isfile(os.path.join(top, "__init__.py")) and os.path.dirname(top) != top:
        top = os.path.dirname(top)
    if top != directory:
        return ProjectRoot(top, "package", "top of the package tree (no pyproject.toml, "
                           "setup.py, setup.cfg, .git or tox.ini above the file)")
    return ProjectRoot(directory, "folder",
                       "the file's folder (no project marker above it, not in a package)")


def _codes(value: Any, key: str) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of rule codes such as "
                          f"[{rule_codes()[0]!r}]")
    codes = frozenset(v.strip().upper() for v in value if v.strip())
    check_codes(codes, key)
    return codes


def config_from_table(table: dict[str, Any], root: str) -> Config:
    """Build a Config from a `[tool.txasync]` table (also used for LSP settings)."""
    cfg = Config(root=root)
    changes: dict[str, Any] = {}
    unknown_keys = sorted(str(k) for k in table if k not in KNOWN_KEYS)
    if unknown_keys:
        changes["warnings"] = tuple(
            f"[tool.txasync]: unknown key {key!r} ignored (known keys: "
            f"{', '.join(sorted(k for k in KNOWN_KEYS if k != 'twistedVersion'))})"
            for key in unknown_keys)
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
    for key, attr in (("exclude", "exclude"), ("keep-deferred-api", "keep_deferred_api"),
                      ("convert", "convert")):
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
    python = table.get("python")
    if python is not None:
        if not isinstance(python, str) or not python.strip():
            raise ConfigError("python must be the path of the project's interpreter")
        changes["python"] = python.strip()
    public = table.get("public-api", table.get("publicApi"))
    if public is not None:
        if public not in ("keep", "convert"):
            raise ConfigError("public-api must be 'keep' or 'convert'")
        changes["public_api"] = public
        changes["public_api_source"] = "configuration"
    command = table.get("test-command", table.get("testCommand", []))
    if isinstance(command, str):
        import shlex

        command = shlex.split(command)
    if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
        raise ConfigError("test-command must be a list of arguments or a string")
    changes["test_command"] = tuple(command)
    fmt = table.get("format", "none")
    if fmt not in ("none", "auto", "ruff", "black"):
        raise ConfigError("format must be 'none', 'auto', 'ruff' or 'black'")
    changes["format_changed"] = fmt
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


def load_config(start: str, twisted_version: str | None = None, python: str | None = None,
                python_source: str = "--python") -> Config:
    """The configuration for files under `start`, with the project's environment found
    (`python` beats `[tool.txasync] python`) and the Twisted version resolved."""
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
    if cfg.warnings:
        cfg = replace(cfg, warnings=tuple(f"{path}: {w}" for w in cfg.warnings))
    return resolve_environment(cfg, start, twisted_version, python, python_source)


def resolve_environment(cfg: Config, start: str, twisted_version: str | None = None,
                        python: str | None = None, python_source: str = "--python") -> Config:
    """`cfg` with the target interpreter, library path, Twisted version and public-API
    policy filled in from the project (see the module docstring for the order)."""
    from .declared import find_project_root, read_declared
    from .environment import TargetError, target_environment

    project_root = find_project_root(start) or cfg.root
    try:
        env = target_environment(project_root, python, cfg.python, python_source)
    except TargetError as exc:
        raise ConfigError(str(exc)) from None
    changes: dict[str, Any] = {
        "target_python": env.python, "target_python_source": env.source,
        "installed_twisted": env.twisted,
        "library_path": None if env.own else tuple(dict.fromkeys(
            [*env.path, *(p for p in sys.path if p)])),
    }
    declared = read_declared(project_root)
    if declared.distribution is not None:
        changes["distribution"] = declared.distribution
        if cfg.public_api_source == "default":
            changes["public_api"] = "keep"
            changes["public_api_source"] = (f"distribution `{declared.distribution}` declared "
                                            f"in {declared.distribution_file}")
    if twisted_version is not None:
        changes.update(twisted_version=parse_version(twisted_version),
                       twisted_version_source="flag", twisted_version_detail="")
    elif cfg.twisted_version_source == "default":
        installed = None
        if env.twisted is not None:
            try:
                installed = parse_version(env.twisted)
            except ConfigError:
                installed = None
        if declared.twisted is not None:
            changes.update(twisted_version=declared.twisted[0],
                           twisted_version_source="declared",
                           twisted_version_detail=declared.twisted[1])
        elif installed is not None:
            changes.update(twisted_version=installed, twisted_version_source="installed",
                           twisted_version_detail=f"Twisted {env.twisted}")
    return replace(cfg, **changes)
