"""txasync reads a project's code and never runs it.

The workspace below writes a marker file if any of its modules is imported: at module level
(also in a package `__init__.py` and a `conftest.py`), in a class body, and in a default
argument, which run at import time too. It also has modules named like the standard-library
and third-party modules txasync itself imports, so putting the project on `sys.path` would
run them. Every engine entry point, with and without the jedi second opinion, and every
command run as a user runs it (the console script, from inside the project) must leave the
marker absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from txasync.config import Config
from txasync.engine import (
    analyse,
    callers_report,
    compute_fixes,
    discover,
    load_project,
    plans_for,
)


def _trap(marker: Path, where: str) -> str:
    return f"open({str(marker)!r}, 'a').write({where!r} + '\\n')"


def make_workspace(root: Path, marker: Path) -> Path:
    """A project whose import would write `marker`, with plenty for txasync to convert."""
    pkg = root / "trapped"
    files = {
        "pyproject.toml": "[tool.txasync]\ntwisted-version = '22.4'\n",
        "conftest.py": _trap(marker, "conftest") + "\n",
        "setup.py": _trap(marker, "setup.py") + "\n",
        # Named like modules txasync (or its libraries) import: harmless unless on sys.path.
        "json.py": _trap(marker, "json shadow") + "\n",
        "rich.py": _trap(marker, "rich shadow") + "\n",
        "libcst.py": _trap(marker, "libcst shadow") + "\n",
        "trapped/__init__.py": _trap(marker, "package __init__") + "\n",
        "trapped/store.py": (
            "from twisted.internet import defer\n"
            + _trap(marker, "store module") + "\n\n\n"
            "class Store:\n"
            "    " + _trap(marker, "class body") + "\n\n"
            "    @defer.inlineCallbacks\n"
            "    def get(self, key, default=" + _trap(marker, "default argument") + "):\n"
            "        value = yield defer.succeed(key)\n"
            "        defer.returnValue(value)\n\n"
            "    def lookup(self, key):\n"
            "        return self.get(key).addCallback(print)\n"
        ),
        "trapped/service.py": (
            "from twisted.internet import defer, reactor\n"
            "from trapped.store import Store\n"
            + _trap(marker, "service module") + "\n\n\n"
            "@defer.inlineCallbacks\n"
            "def fetch(store: Store, key):\n"
            "    value = yield store.get(key)\n"
            "    defer.returnValue(value)\n\n\n"
            "def start(store):\n"
            "    fetch(store, 'k')\n"
            "    reactor.callLater(0, fetch, store, 'k')\n"
            "    return fetch(store, 'x').addCallback(print)\n\n\n"
            "async def modern():\n"
            "    return 1\n\n\n"
            "def fire_and_forget():\n"
            "    modern()\n\n\n"
            "def untyped(pair):\n"  # receivers only jedi can type
            "    store, _ = pair\n"
            "    return store.get('k').addCallback(print)\n\n\n"
            "def inferred():\n"
            "    box = [Store()]\n"
            "    return box[0].get('k')\n"
        ),
        "trapped/test_service.py": (
            "from twisted.internet import defer\n"
            "from twisted.trial import unittest\n"
            "from trapped.service import fetch\n"
            + _trap(marker, "test module") + "\n\n\n"
            "class ServiceTests(unittest.TestCase):\n"
            "    " + _trap(marker, "test class body") + "\n\n"
            "    @defer.inlineCallbacks\n"
            "    def test_fetch(self):\n"
            "        value = yield fetch(None, 'k')\n"
            "        self.assertEqual(value, 'k')\n"
        ),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert pkg.is_dir()
    return root


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "IMPORTED"
    root = make_workspace(tmp_path / "ws", marker)
    # The trap works: running any of the modules writes the marker.
    probe = subprocess.run([sys.executable, "-c", "import trapped"], cwd=root,
                           capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    assert "package __init__" in marker.read_text()
    marker.unlink()
    shutil.rmtree(root / "trapped" / "__pycache__", ignore_errors=True)
    return root, marker


@pytest.mark.parametrize("jedi", [False, True], ids=["static", "jedi"])
def test_engine_api_never_imports_the_project(workspace, jedi: bool) -> None:
    root, marker = workspace
    config = Config(root=str(root), twisted_version=(22, 4), jedi=jedi)
    files, missing = discover([str(root)], config)
    assert not missing and len(files) >= 8
    project = load_project(files, config, jobs=1)
    if jedi:
        assert getattr(project, "oracle", None) is not None, "jedi was not asked"
    analysis = analyse(project)
    keys = sorted(analysis.decisions)
    assert "trapped.service:fetch" in keys and "trapped.store:Store.get" in keys
    for key in keys:
        callers_report(project, key, analysis)
    plans = plans_for(project, analysis)
    outcomes = compute_fixes(project, plans)
    assert outcomes and all(o.error is None for o in outcomes), [o.error for o in outcomes]
    assert any("async def fetch" in (o.result.source if o.result else "") for o in outcomes)
    assert not marker.exists(), marker.read_text()


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("txasync")
    return [str(script)] if script.exists() else [sys.executable, "-m", "txasync"]


@pytest.mark.parametrize("command", [
    ["check"], ["check", "--format", "json"], ["check", "--jedi"], ["plan"],
    ["plan", "--format", "json"], ["progress"], ["fix", "--diff"], ["fix", "--jedi"],
    ["fix"],
])
def test_commands_never_import_the_project(workspace, command: list[str]) -> None:
    root, marker = workspace
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    proc = subprocess.run([*_console_script(), *command, "."], cwd=root, capture_output=True,
                          text=True, env=env, timeout=300)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr)
    assert not marker.exists(), marker.read_text()
    if command == ["fix"]:
        assert "async def fetch" in (root / "trapped" / "service.py").read_text()


def test_python_dash_m_from_elsewhere_never_imports_the_project(workspace) -> None:
    """`python -m` puts the current directory on sys.path, so run it from outside."""
    root, marker = workspace
    for command in (["check"], ["fix", "--jobs", "2"]):
        proc = subprocess.run([sys.executable, "-m", "txasync", *command, str(root)],
                              cwd=root.parent, capture_output=True, text=True, timeout=300)
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr
    assert not marker.exists(), marker.read_text()
