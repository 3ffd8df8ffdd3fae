"""The project's interpreter and its Twisted: library classes read from the project's own
environment (`--python`, `$VIRTUAL_ENV`, a venv at the root), and the Twisted version a
conversion must be safe on derived from what the project declares.

The target venvs are real (`python -m venv --without-pip`), with a small local package put
on their path by a `.pth` file, as an editable install does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from txasync import environment
from txasync.analysis.index import use_library_path
from txasync.cli import main
from txasync.config import load_config
from txasync.declared import read_declared

APP = ("import baselib\n"
       "from twisted.internet import defer\n\n\n"
       "class Worker(baselib.Base):\n"
       "    @defer.inlineCallbacks\n"
       "    def work(self):\n"
       "        x = yield defer.succeed(1)\n"
       "        return x\n")

BASELIB = ("class Base:\n"
           "    def start(self):\n"
           "        return None\n")


@pytest.fixture(autouse=True)
def _own_library_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """No inherited $VIRTUAL_ENV; an empty interpreter cache per test; txasync's own
    library path again afterwards (the index's path is per process)."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield
    use_library_path(None)


@pytest.fixture(scope="module")
def target_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with `baselib` on its path (through a .pth file) and Twisted 23.10 "installed"
    (its distribution metadata; nothing here is ever imported)."""
    return make_target(tmp_path_factory.mktemp("target"), sys.executable)


def make_target(root: Path, python: str) -> Path:
    venv = root / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    site = next(venv.glob("lib/python*/site-packages"))
    src = root / "src"
    (src / "baselib").mkdir(parents=True)
    (src / "baselib" / "__init__.py").write_text(BASELIB)
    (site / "baselib.pth").write_text(f"{src}\nimport os  # a hook line is never run\n")
    dist = site / "Twisted-23.10.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: Twisted\nVersion: 23.10.0\n")
    return venv


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def project(tmp_path: Path, pyproject: str | None = None) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text(APP)
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    return root


def codes(out: str) -> list[str]:
    return [f"{f['code']} {f['function']}" for f in json.loads(out)
            if f["code"] in ("TXA001", "TXA002")]


# -- library classes ----------------------------------------------------------------------
def test_library_classes_are_read_through_python(tmp_path: Path, target_venv: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    code, out, err = run(capsys, "check", "--format", "json", "--twisted-version", "24.7",
                         str(root))
    assert codes(out) == ["TXA002 Worker.work"]
    assert "`baselib.Base`, which txasync cannot find" in json.loads(out)[0]["message"]

    python = str(target_venv / "bin" / "python")
    code, out, err = run(capsys, "check", "--format", "json", "--twisted-version", "24.7",
                         "--python", python, str(root))
    assert codes(out) == ["TXA001 Worker.work"], out


def test_python_may_name_the_venv_directory_or_come_from_the_configuration(
        tmp_path: Path, target_venv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, f'[tool.txasync]\npython = "{target_venv}"\n')
    code, out, err = run(capsys, "check", "--format", "json", str(root))
    assert codes(out) == ["TXA001 Worker.work"]
    code, out, err = run(capsys, "check", "--python", str(target_venv), str(root))
    assert "app.py:7:9: TXA001" in out
    assert f"libraries read from {target_venv}/bin/python (--python)" in err


def test_auto_detected_from_virtual_env_and_a_venv_at_the_root(
        tmp_path: Path, target_venv: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    monkeypatch.setenv("VIRTUAL_ENV", str(target_venv))
    config = load_config(str(root))
    assert config.target_python_source == "$VIRTUAL_ENV"
    assert config.library_path is not None
    monkeypatch.delenv("VIRTUAL_ENV")
    (root / "py311").symlink_to(target_venv)  # any name: it holds pyvenv.cfg
    config = load_config(str(root))
    assert config.target_python_source == "virtual environment py311/ at the project root"
    code, out, err = run(capsys, "check", "--format", "json", "--twisted-version", "24.7",
                         str(root))
    assert codes(out) == ["TXA001 Worker.work"]
    (root / "py311").unlink()
    config = load_config(str(root))
    assert config.target_python_source == "txasync's own interpreter"
    assert config.library_path is None


def test_the_answer_is_cached_until_the_environment_changes(
        tmp_path: Path, target_venv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = str(target_venv / "bin" / "python")
    cache = str(tmp_path / "c")
    path, twisted = environment.query_interpreter(python, cache)
    assert twisted == "23.10.0"
    assert any(p.endswith(os.sep + "src") for p in path)  # the .pth file's directory
    calls = []
    real_run = subprocess.run

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(environment.subprocess, "run", counting)
    assert environment.query_interpreter(python, cache) == (path, twisted)
    assert calls == []
    site = next(target_venv.glob("lib/python*/site-packages"))
    (site / "newpkg").mkdir()  # something installed: site-packages changed
    try:
        os.utime(site, (1, 1))
        environment.query_interpreter(python, cache)
        assert len(calls) == 1
    finally:
        (site / "newpkg").rmdir()


def test_a_bad_python_is_a_usage_error(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    code, out, err = run(capsys, "check", "--python", str(tmp_path / "nope"), str(root))
    assert code == 2
    assert err.strip() == (f"python: {tmp_path / 'nope'}: no such interpreter "
                           f"(looked for {tmp_path / 'nope'})")


# -- the Twisted version ------------------------------------------------------------------
@pytest.mark.parametrize("files, version, detail", [
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["Twisted[tls]>=22.8"]\n'},
     (22, 8), "pyproject.toml: Twisted[tls]>=22.8"),
    ({"setup.cfg": "[metadata]\nname = x\n[options]\ninstall_requires =\n    attrs\n"
                   "    twisted ~= 22.4.0\n"},
     (22, 4), "setup.cfg: twisted ~= 22.4.0"),
    ({"setup.py": "from setuptools import setup\nREQS = ['twisted>=23.8,!=23.10']\n"
                  "setup(name='x', install_requires=REQS)\n"},
     (23, 8), "setup.py: twisted>=23.8,!=23.10"),
    ({"requirements.txt": "# pinned\ntwisted==24.3.0 ; python_version < '3.12'\n",
      "requirements-py312.txt": "twisted==24.7.0 ; python_version >= '3.12'\n"},
     (24, 3), "requirements.txt: twisted==24.3.0 ; python_version < '3.12'"),
    # a line for Python 2 cannot bound what converted (Python 3) code runs on
    ({"setup.py": "from setuptools import setup\nsetup(name='x', install_requires=['Twisted'])\n",
      "requirements.txt": "Twisted==21.7.0; python_version > '3.0'\n"
                          "Twisted==20.3.0; python_version < '3.0'\n"},
     (21, 7), "requirements.txt: Twisted==21.7.0; python_version > '3.0'"),
    ({"requirements.txt": "Twisted>=16.0; python_version == '2.7'\n"
                          "Twisted>=22.4; sys_platform == 'win32' and python_version >= '3'\n"
                          "Twisted>=21.2; extra == 'tls'\n"},
     (21, 2), "requirements.txt: Twisted>=21.2; extra == 'tls'"),
])
def test_declared_lower_bound(tmp_path: Path, files: dict[str, str],
                              version: tuple[int, int], detail: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    declared = read_declared(str(tmp_path))
    assert declared.twisted == (version, detail)
    config = load_config(str(tmp_path))
    assert (config.twisted_version, config.twisted_version_source,
            config.twisted_version_detail) == (version, "declared", detail)


def test_a_python2_only_requirement_alone_declares_nothing(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("twisted==20.3.0; python_version < '3.0'\n")
    assert read_declared(str(tmp_path)).twisted is None


def test_no_lower_bound_is_not_a_declaration(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("twisted<25\nattrs>=22\n")
    assert read_declared(str(tmp_path)).twisted is None


def test_version_table(tmp_path: Path, target_venv: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    """declared bound > installed in the target > 21.2 with a notice; the flag and the
    configuration beat them all. Shown in the text header and in JSON."""
    python = str(target_venv / "bin" / "python")
    bare = tmp_path / "bare"
    bare.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare / "env")],
                   check=True, timeout=120)
    bare_python = str(bare / "env" / "bin" / "python")
    declared = project(tmp_path, '[project]\nname = "p"\ndependencies = ["twisted>=22.8"]\n')

    def plan_env(*args: str) -> dict:  # type: ignore[type-arg]
        code, out, err = run(capsys, "plan", "--format", "json", *args)
        assert code == 0, err
        return json.loads(out)["environment"]  # type: ignore[no-any-return]

    env = plan_env("--python", python, str(declared))
    assert (env["twisted_version"], env["twisted_version_source"],
            env["twisted_version_detail"]) == ("22.8", "declared", "pyproject.toml: twisted>=22.8")
    assert env["installed_twisted"] == "23.10.0" and env["notice"] is None

    installed = tmp_path / "installed"
    installed.mkdir()
    (installed / "app.py").write_text(APP)
    env = plan_env("--python", python, str(installed))
    assert (env["twisted_version"], env["twisted_version_source"]) == ("23.10", "installed")

    env = plan_env("--python", bare_python, str(installed))
    assert (env["twisted_version"], env["twisted_version_source"]) == ("21.2", "default")
    assert env["notice"].startswith("notice: no Twisted requirement declared")

    env = plan_env("--python", python, "--twisted-version", "24.7", str(declared))
    assert (env["twisted_version"], env["twisted_version_source"]) == ("24.7", "flag")
    (declared / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = '
                                             '["twisted>=22.8"]\n[tool.txasync]\n'
                                             'twisted-version = "25.5"\n')
    env = plan_env("--python", python, str(declared))
    assert (env["twisted_version"], env["twisted_version_source"]) == ("25.5", "configuration")

    # text: the target line (and the notice, one line) on stderr
    code, out, err = run(capsys, "check", "--python", bare_python, str(installed))
    lines = err.splitlines()
    assert (f"target Twisted 21.2 (the oldest supported release (no Twisted declared or "
            f"installed)); libraries read from {bare_python} (--python)") in lines
    assert sum(line.startswith("notice: ") for line in lines) == 1
    code, out, err = run(capsys, "check", "--format", "json", "--python", bare_python,
                         str(installed))
    json.loads(out)  # stdout stays JSON; the notice is on stderr
    assert err.startswith("notice: ")
    code, out, err = run(capsys, "fix", "--diff", "--python", python, str(declared))
    assert ("target Twisted 25.5 (twisted-version in the configuration); libraries read "
            f"from {python} (--python)") in err.splitlines()


def test_a_relative_python_on_the_command_line_is_from_the_current_directory(
        tmp_path: Path, target_venv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--python ../venv/bin/python` means what the shell means; `[tool.txasync] python`
    is relative to the project root. A missing one says where it looked."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    relative = os.path.relpath(target_venv, work)
    python, _ = environment.choose_interpreter(str(tmp_path / "elsewhere"), explicit=relative)
    assert python is not None and os.path.samefile(
        os.path.dirname(os.path.dirname(python)), target_venv)
    with pytest.raises(environment.TargetError, match=r"looked for .*missing"):
        environment.choose_interpreter(str(tmp_path), explicit="missing/bin/python")


DEBIAN_PYTHON = "/usr/bin/python3"


def _names_dist_packages(python: str) -> bool:
    """Whether `python`'s `site` answers with Debian's dist-packages layout."""
    try:
        out = subprocess.run([python, "-I", "-S", "-c",
                              "import site; print(site.getsitepackages(['/p']))"],
                             capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "dist-packages" in out and "site-packages" not in out


@pytest.mark.skipif(not _names_dist_packages(DEBIAN_PYTHON),
                    reason=f"needs Debian's Python at {DEBIAN_PYTHON} (its site module "
                    "names dist-packages)")
def test_a_venv_of_debian_python_is_read(tmp_path: Path) -> None:
    """Debian's `site.getsitepackages` names its dist-packages layout, which no venv has:
    a venv made by Debian's Python was read as empty (no library class, no Twisted)."""
    venv = make_target(tmp_path, DEBIAN_PYTHON)
    paths, twisted = environment.query_interpreter(str(venv / "bin" / "python"),
                                                   str(tmp_path / "cache"))
    assert twisted == "23.10.0"
    assert str(tmp_path / "src") in paths
