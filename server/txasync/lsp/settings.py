"""Editor settings (section `txasync`) and how they merge over `[tool.txasync]`.

Precedence, lowest first: `pyproject.toml`, `initializationOptions`, then the per-folder
answer to `workspace/configuration` (or the payload of `workspace/didChangeConfiguration` for
clients that cannot be asked). Editor-only keys (severity, code lens, fix-on-save,
interpreter) never reach the engine; keys the engine knows (`twistedVersion`, `select`,
`ignore`, ...) are turned into a `[tool.txasync]` table and read by the engine's own
`config_from_table`, so the CLI and the editor validate them the same way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..config import Config, ConfigError, config_from_table, load_config

# Pylance's names ("none" turns a rule's diagnostics off); "off" is accepted as a synonym.
SEVERITIES = ("error", "warning", "information", "hint", "none", "off")

# LSP setting name -> (`[tool.txasync]` key, Config attribute) for keys the engine reads.
_ENGINE_KEYS = {
    "select": ("select", "select"),
    "ignore": ("ignore", "ignore"),
    "perFileIgnores": ("per-file-ignores", "per_file_ignores"),
    "exclude": ("exclude", "exclude"),
    "keepDeferredApi": ("keep-deferred-api", "keep_deferred_api"),
    "coroutineAwareDecorators": ("coroutine-aware-decorators", "coroutine_aware_decorators"),
    "wrapper": ("wrapper", "wrapper"),
    "unknownYield": ("unknown-yield", "unknown_yield"),
    "jedi": ("jedi", "jedi"),
    "publicApi": ("public-api", "public_api"),
    "convert": ("convert", "convert"),
}


@dataclass(frozen=True)
class Settings:
    """What the editor asked for; `None`/empty means "not set, use pyproject"."""

    twisted_version: str | None = None
    # The project's interpreter (its libraries are read, its Twisted counts); the VS Code
    # extension sends the Python extension's selected interpreter, again when it changes.
    python: str | None = None
    severity: dict[str, str] = field(default_factory=dict)
    code_lens: bool = True
    fix_on_save: bool = False
    interpreter: tuple[str, ...] = ()
    environment: str | None = None
    engine: dict[str, Any] = field(default_factory=dict)  # LSP names, see _ENGINE_KEYS

    def to_json(self) -> dict[str, Any]:
        return {"twistedVersion": self.twisted_version, "python": self.python,
                "severity": dict(self.severity),
                "codeLens": self.code_lens, "fixOnSave": self.fix_on_save,
                "interpreter": list(self.interpreter), "environment": self.environment,
                **self.engine}


def section(payload: Any) -> dict[str, Any]:
    """The `txasync` section of a settings payload (`{"txasync": {...}}` or already flat)."""
    if not isinstance(payload, dict):
        return {}
    inner = payload.get("txasync")
    if isinstance(inner, dict):
        return inner
    return payload


def merge(base: Settings, payload: Any, problems: list[str] | None = None) -> Settings:
    """`base` with the keys present in `payload` replaced; bad values are reported, skipped."""
    data = section(payload)
    problems = problems if problems is not None else []
    changes: dict[str, Any] = {}
    if "twistedVersion" in data:
        value = data["twistedVersion"]
        changes["twisted_version"] = None if value in (None, "") else str(value)
    if "python" in data:
        value = data["python"]
        if value in (None, ""):
            changes["python"] = None
        elif isinstance(value, str):
            changes["python"] = value
        else:
            problems.append("python: expected the path of an interpreter")
    if "severity" in data:
        severity = data["severity"]
        if isinstance(severity, dict):
            good = {}
            for code, level in severity.items():
                if isinstance(level, str) and level.lower() in SEVERITIES:
                    good[str(code).upper()] = "off" if level.lower() == "none" else level.lower()
                else:
                    problems.append(f"severity.{code}: expected one of "
                                    f"{', '.join(SEVERITIES[:-1])}")
            changes["severity"] = {**base.severity, **good}
        elif severity is not None:
            problems.append("severity: expected an object of code -> level")
    for key, attr in (("codeLens", "code_lens"), ("fixOnSave", "fix_on_save")):
        if key in data:
            if isinstance(data[key], bool):
                changes[attr] = data[key]
            else:
                problems.append(f"{key}: expected true or false")
    if "interpreter" in data:
        value = data["interpreter"]
        if isinstance(value, str):
            changes["interpreter"] = (value,)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            changes["interpreter"] = tuple(value)
        elif value is not None:
            problems.append("interpreter: expected a path or a list of strings")
    if "environment" in data:
        value = data["environment"]
        changes["environment"] = value if isinstance(value, str) and value else None
    engine = {k: v for k, v in data.items() if k in _ENGINE_KEYS and v is not None}
    if engine:
        changes["engine"] = {**base.engine, **engine}
    return dataclasses.replace(base, **changes)


def effective_config(root: str, settings: Settings, problems: list[str] | None = None
                     ) -> Config:
    """The engine configuration for a workspace folder: pyproject, then the editor's keys.

    The interpreter is the `python` setting, else the engine's order (pyproject,
    $VIRTUAL_ENV, a venv at the root, its own); the Twisted version keeps the engine's
    order (setting, pyproject, declared dependencies, installed, oldest).
    A value the engine rejects is reported in `problems` and left out, never fatal.
    """
    problems = problems if problems is not None else []
    try:
        config = load_config(root, settings.twisted_version, python=settings.python,
                             python_source="txasync.python setting")
    except ConfigError as exc:
        problems.append(str(exc))
        try:
            config = load_config(root)
        except ConfigError as exc2:
            problems.append(str(exc2))
            config = Config(root=root)
    problems.extend(config.warnings)
    if not settings.engine:
        return config
    table = {_ENGINE_KEYS[k][0]: v for k, v in settings.engine.items()}
    try:
        overlay = config_from_table(table, config.root)
    except ConfigError as exc:
        problems.append(f"txasync settings: {exc}")
        return config
    given = {_ENGINE_KEYS[k][1] for k in settings.engine}
    return dataclasses.replace(config, **{attr: getattr(overlay, attr) for attr in given})
