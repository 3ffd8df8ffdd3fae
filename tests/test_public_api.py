"""A library's public functions keep their Deferred API: their users' `d.addCallback(...)`
is code txasync cannot see. Private helpers and tests convert; an application (no
distribution metadata) converts fully; `public-api` and `convert` override."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import ROOT, copy_project
from txasync.cli import main

LIBRARY = ROOT / "tests" / "fixtures" / "public_lib"
KEPT = {"publib.client:fetch", "publib.client:Client.get"}
ALL = {"publib._internal:compute", "publib.client:fetch", "publib.client:_lookup",
       "publib.client:Client.get", "publib.client:Client._get", "publib.client:_Pool.acquire",
       "publib.tests.test_client:make_and_get",
       "publib.tests.test_client:ClientTests.test_get"}


def decisions(capsys: pytest.CaptureFixture[str], root: Path) -> dict[str, str]:
    assert main(["check", "--format", "json", str(root)]) == 1
    out, _ = capsys.readouterr()
    found = {}
    for f in json.loads(out):
        if f["code"] in ("TXA001", "TXA002"):
            module = "publib." + ".".join(
                Path(f["path"]).relative_to(root / "publib").with_suffix("").parts)
            found[f"{module}:{f['function']}"] = f["code"]
    return found


def test_library_keeps_its_public_api(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(LIBRARY, tmp_path / "lib")
    found = decisions(capsys, root)
    assert set(found) == ALL
    assert {k for k, code in found.items() if code == "TXA002"} == KEPT

    assert main(["fix", str(root)]) == 0
    _, err = capsys.readouterr()
    assert ("2 public functions keep returning a Deferred for the library's users "
            "(public-api = keep; their bodies become async helpers)") in err.splitlines()
    client = (root / "publib" / "client.py").read_text()
    assert "\ndef fetch(key):" in client and "    def get(self, key):" in client
    assert "async def _lookup(key):" in client and "async def _get(self, key):" in client
    assert "async def acquire(self):" in client
    assert "async def compute(x):" in (root / "publib" / "_internal.py").read_text()
    tests = (root / "publib" / "tests" / "test_client.py").read_text()
    assert "async def make_and_get(key):" in tests and "async def test_get(self):" in tests


def test_the_reason_names_the_distribution(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(LIBRARY, tmp_path / "lib")
    main(["check", "--format", "json", str(root)])
    out, _ = capsys.readouterr()
    fetch = next(f for f in json.loads(out) if f["function"] == "fetch")
    assert fetch["reason"].startswith("it is public API of the library `publib`")
    assert fetch["fix_safety"] == "unsafe"  # the keep-API fix


def test_an_application_converts_fully(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(LIBRARY, tmp_path / "app")
    (root / "pyproject.toml").write_text('[tool.txasync]\ntwisted-version = "24.7"\n')
    found = decisions(capsys, root)
    assert set(found) == ALL and set(found.values()) == {"TXA001"}


def test_a_setup_py_through_a_helper_declares_a_library(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A setup.py that calls `setup()` through a helper of its own (landscape-client's
    `setup_landscape(name=...)`, defined in setup_common.py) still makes a distribution:
    its public functions keep their Deferred API."""
    root = copy_project(LIBRARY, tmp_path / "lib")
    (root / "pyproject.toml").write_text('[tool.txasync]\ntwisted-version = "24.7"\n')
    (root / "setup_common.py").write_text(
        "from setuptools import setup\n\n\ndef setup_project(name, **kwargs):\n"
        "    setup(name=name, **kwargs)\n")
    (root / "setup.py").write_text(
        "from setup_common import setup_project\n\nif __name__ == '__main__':\n"
        "    setup_project(name='publib-tools', packages=['publib'])\n")
    found = decisions(capsys, root)
    assert {k for k, code in found.items() if code == "TXA002"} == KEPT
    main(["check", "--format", "json", str(root)])
    out, _ = capsys.readouterr()
    fetch = next(f for f in json.loads(out) if f["function"] == "fetch")
    assert fetch["reason"].startswith("it is public API of the library `publib-tools`")


@pytest.mark.parametrize("table, kept", [
    ('public-api = "convert"\n', set()),
    ('convert = ["publib.client:fetch"]\n', {"publib.client:Client.get"}),
    ('public-api = "convert"\nkeep-deferred-api = ["publib.client:fetch"]\n', set()),
])
def test_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str,
                   kept: set[str]) -> None:
    root = copy_project(LIBRARY, tmp_path / "lib")
    with open(root / "pyproject.toml", "a") as handle:
        handle.write("\n[tool.txasync]\n" + table)
    found = decisions(capsys, root)
    assert {k for k, code in found.items() if code == "TXA002"} == kept
