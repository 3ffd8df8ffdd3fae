"""Which files a run reads, and a bug in one file's analysis staying in that file.

A project may hold its virtual environment under any name (`nvenv/`, `py311/`): thousands
of installed modules that are not the project's, some of which once sent the index into a
re-export cycle (RecursionError, with a message naming no file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli as run
from helpers import write
from txasync.analysis.index import Workspace
from txasync.config import Config
from txasync.engine import discover

IC = ("from twisted.internet import defer\n\n\n"
      "@defer.inlineCallbacks\n"
      "def fetch(d):\n"
      "    x = yield defer.succeed(d)\n"
      "    return x\n")






def cyclic_package(site: Path) -> None:
    """Installed code whose re-exports form a cycle (`a` from `b`, `b` from `a`)."""
    write(site / "cyc" / "__init__.py", "from cyc.a import Thing\n")
    write(site / "cyc" / "a.py", "from cyc.b import Thing\n")
    write(site / "cyc" / "b.py", "from cyc.a import Thing\n")
    write(site / "cyc" / "use.py", "import cyc\n\n\nclass C(cyc.Thing):\n    pass\n\n\n"
                                   "def make():\n    return C()\n\n\ndef go():\n"
                                   "    x = cyc.Thing()\n    x.fetch()\n")


def test_a_venv_of_any_name_and_site_packages_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "app.py", IC)
    venv = tmp_path / "nvenv"
    write(venv / "pyvenv.cfg", "home = /usr/bin\n")
    cyclic_package(venv / "lib" / "python3.11" / "site-packages")
    cyclic_package(tmp_path / "vendor" / "site-packages")
    files, missing = discover([str(tmp_path)], Config(root=str(tmp_path)))
    assert missing == []
    assert [Path(f).name for f in files] == ["app.py"]


def test_check_on_a_project_holding_a_venv(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "app.py", IC)
    venv = tmp_path / "nvenv"
    write(venv / "pyvenv.cfg", "home = /usr/bin\n")
    cyclic_package(venv / "lib" / "python3.11" / "site-packages")
    code, out, err = run(capsys, "check", "--twisted-version", "24.7", str(tmp_path))
    assert "internal error" not in err
    assert code == 1 and "app.py:5:5: TXA001" in out
    assert "nvenv" not in out + err


def test_a_re_export_cycle_in_the_project_does_not_recurse(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cyclic_package(tmp_path)
    write(tmp_path / "cyc" / "app.py", IC)
    code, out, err = run(capsys, "check", "--twisted-version", "24.7", str(tmp_path))
    assert "internal error" not in err, err
    assert "app.py:5:5: TXA001" in out


def test_an_internal_error_is_contained_to_its_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "good.py", IC)
    write(tmp_path / "bad.py", IC.replace("fetch", "other") + "\n\nfetch(1)\n")
    original = Workspace._index_sites

    def broken(self, facts):  # type: ignore[no-untyped-def]
        if facts.path.endswith("bad.py"):
            raise RecursionError("maximum recursion depth exceeded")
        return original(self, facts)

    monkeypatch.setattr(Workspace, "_index_sites", broken)
    code, out, err = run(capsys, "check", "--twisted-version", "24.7", str(tmp_path))
    assert code == 1
    assert "good.py:5:5: TXA001" in out
    assert "bad.py" not in out
    line = next(x for x in err.splitlines() if "internal error" in x)
    assert line.startswith(f"{tmp_path / 'bad.py'}:1:1: internal error while analysing") or \
        line.startswith("bad.py:1:1:"), line
    assert "RecursionError" in line and "left out of the run" in line
