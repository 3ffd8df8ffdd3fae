"""Shared helpers for tests that run real Twisted projects in subprocesses."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from txasync.engine import Project

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "legacy_app"
SHOP = ROOT / "tests" / "fixtures" / "shop"


def copy_project(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("_trial_temp", "__pycache__"))
    return dest


def run_trial(python: str, project: Path, package: str) -> tuple[str, str]:
    """Run trial; return (summary line, full output)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([python, "-m", "twisted.trial", package], cwd=project,
                          capture_output=True, text=True, env=env, timeout=300)
    out = proc.stdout + proc.stderr
    lines = [ln for ln in out.splitlines() if re.match(r"^(PASSED|FAILED)", ln)]
    return (lines[-1] if lines else "no summary"), out


def txasync(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "txasync", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


OLD_TWISTED = "22.4.0"


def old_twisted_python() -> str | None:
    """A Python with Twisted 22.4 (pre-22.8 and pre-24.7 semantics), made once and cached.

    `TXASYNC_TWISTED_22_PYTHON` names one explicitly; otherwise a venv is created under
    ~/.cache/txasync-tests with pip from PyPI. Returns None when that is impossible (offline).
    """
    explicit = os.environ.get("TXASYNC_TWISTED_22_PYTHON")
    if explicit:
        return explicit
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "txasync-tests"
    venv = base / f"twisted-{OLD_TWISTED}"
    python = venv / "bin" / "python"
    marker = venv / ".complete"
    if marker.exists():
        return str(python)
    base.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True,
                       capture_output=True, timeout=300)
        # zope.interface 7+ lacks what Twisted 22.4's plugin loading expects.
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"twisted=={OLD_TWISTED}",
                        "zope.interface<7"], check=True, capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError):
        return None
    marker.write_text("ok\n")
    return str(python)


def write(path: Path, text: str | bytes) -> Path:
    """Write a file of a test project, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`txasync ARGS` in this process: (exit code, stdout, stderr)."""
    from txasync.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# One inlineCallbacks function and a caller that needs its Deferred: the smallest module
# that `check` reports and `fix` changes.
IC_MODULE = (
    "from twisted.internet import defer\n\n\n"
    "@defer.inlineCallbacks\n"
    "def f(d):\n"
    "    x = yield defer.succeed(d)\n"
    "    defer.returnValue(x)\n\n\n"
    "def caller(d):\n"
    "    f(d).addCallback(print)\n"
)


def make_project(tmp_path: Path, files: dict[str, str],
                 version: tuple[int, int] = (26, 10)) -> Project:
    """The engine's project of `files` (relative path -> dedented text) written under
    `tmp_path`, judged for Twisted `version`."""
    from txasync.config import Config
    from txasync.engine import load_project

    paths = []
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        paths.append(str(path))
    return load_project(paths, Config(twisted_version=version))


def load_realworld_driver(name: str = "txasync_realworld") -> ModuleType:
    """benchmarks/realworld.py as a module (it is a script, not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "realworld.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
