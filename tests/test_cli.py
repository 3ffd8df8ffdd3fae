"""The command line as a user meets it: exit codes, messages, and never a traceback."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from helpers import run_cli as run
from helpers import write

IC_MODULE = (
    "from twisted.internet import defer\n\n\n"
    "@defer.inlineCallbacks\n"
    "def f(d):\n"
    "    # keep me\n"
    "    x = yield defer.succeed(d)\n"
    "    defer.returnValue(x)\n\n\n"
    "def caller(d):\n"
    "    f(d).addCallback(print)\n"
)






def test_check_reports_findings_in_text_format(tmp_path: Path, capsys) -> None:
    write(tmp_path / "m.py", IC_MODULE)
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 1
    lines = out.splitlines()
    assert any(line.endswith("TXA001 `f` can be converted to `async def`; 1 caller will be "
                             "wrapped in ensureDeferred (m.py)") for line in lines)
    assert all(":" in line.split(" ")[0] for line in lines)
    assert "Found 2 findings" in err
    assert "Next: `txasync fix --diff` shows the changes, `txasync fix` applies them" in err


def test_check_clean_tree_exits_zero(tmp_path: Path, capsys) -> None:
    write(tmp_path / "m.py", "async def f():\n    return 1\n")
    assert run(capsys, "check", str(tmp_path))[0] == 0


def test_check_json_and_github_formats(tmp_path: Path, capsys) -> None:
    write(tmp_path / "m.py", IC_MODULE)
    code, out, _ = run(capsys, "check", "--format", "json", str(tmp_path))
    data = json.loads(out)
    assert {d["code"] for d in data} == {"TXA001", "TXA003"}
    assert data[0]["line"] == 5 and data[0]["column"] == 5
    code, out, _ = run(capsys, "check", "--format", "github", str(tmp_path))
    assert out.startswith("::notice file=")


def test_select_ignore_and_noqa(tmp_path: Path, capsys) -> None:
    write(tmp_path / "m.py", IC_MODULE.replace("def f(d):", "def f(d):  # noqa: TXA001"))
    code, out, _ = run(capsys, "check", "--format", "json", str(tmp_path))
    assert {d["code"] for d in json.loads(out)} == {"TXA003"}
    code, out, _ = run(capsys, "check", "--format", "json", "--ignore", "TXA003", str(tmp_path))
    assert json.loads(out) == [] and code == 0
    # the suppressed function is not converted either
    code, out, _ = run(capsys, "fix", "--diff", str(tmp_path))
    assert "async def" not in out


def test_pyproject_configuration_is_read(tmp_path: Path, capsys) -> None:
    write(tmp_path / "pyproject.toml", "[tool.txasync]\nignore = ['TXA003']\n"
          "per-file-ignores = {'legacy/*' = ['TXA001']}\n")
    write(tmp_path / "legacy" / "m.py", IC_MODULE)
    code, out, _ = run(capsys, "check", "--format", "json", str(tmp_path))
    assert json.loads(out) == []


def test_fix_converts_wraps_and_is_idempotent(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "m.py", IC_MODULE)
    os.chmod(path, 0o640)
    code, out, err = run(capsys, "fix", str(tmp_path))
    assert code == 0, err
    text = path.read_text()
    assert "async def f(d):\n    # keep me\n    x = await defer.succeed(d)\n    return x\n" in text
    assert "defer.ensureDeferred(f(d)).addCallback(print)" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    # the results are on stdout, in the singular where there is one
    assert ("converted 1 function, wrapped 1 call site in `ensureDeferred`, rewrote 0 other "
            "returnValue calls, in 1 file") in out
    code, out, _ = run(capsys, "fix", "--diff", str(tmp_path))
    assert code == 0 and out == ""
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".txasync-")]


def test_fix_diff_writes_nothing(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "m.py", IC_MODULE)
    code, out, _ = run(capsys, "fix", "--diff", str(tmp_path))
    assert code == 1
    assert out.startswith("--- ") and "+async def f(d):" in out
    assert path.read_text() == IC_MODULE


def test_fix_safe_only_converts_nothing(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "m.py", IC_MODULE)
    code, _, err = run(capsys, "fix", "--safe-only", str(tmp_path))
    assert code == 0, err
    text = path.read_text()
    assert "@defer.inlineCallbacks" in text and "    return x\n" in text


def test_syntax_error_is_reported_and_left_alone(tmp_path: Path, capsys) -> None:
    bad = write(tmp_path / "bad.py", "def f(:\n    pass\n")
    good = write(tmp_path / "good.py", IC_MODULE)
    code, out, err = run(capsys, "fix", str(tmp_path))
    assert code == 1
    shown = os.path.relpath(bad)
    shown = str(bad) if shown.startswith("..") else shown
    assert f"{shown}:1:7: cannot parse: invalid syntax" in err.splitlines()
    assert bad.read_text() == "def f(:\n    pass\n"
    assert "async def f" in good.read_text()
    assert "Traceback" not in err


def test_undecodable_and_binary_files_are_reported(tmp_path: Path, capsys) -> None:
    write(tmp_path / "latin.py", b"x = '\xff'\n")
    write(tmp_path / "bin.py", b"\x00\x01")
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 1
    assert "latin.py:1:1: cannot decode:" in err
    assert "bin.py:1:1: cannot read: binary file" in err
    assert "Traceback" not in err


def test_declared_encoding_round_trips(tmp_path: Path, capsys) -> None:
    source = "# -*- coding: latin-1 -*-\n" + IC_MODULE.replace("# keep me", "# café")
    path = write(tmp_path / "m.py", source.encode("latin-1"))
    assert run(capsys, "fix", str(tmp_path))[0] == 0
    data = path.read_bytes()
    assert b"# caf\xe9" in data and b"async def f" in data


def test_crlf_line_endings_survive(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "m.py", IC_MODULE.replace("\n", "\r\n").encode())
    assert run(capsys, "fix", str(tmp_path))[0] == 0
    data = path.read_bytes()
    assert b"async def f(d):\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_missing_path_and_bad_flags_exit_2(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / "nope"))
    assert code == 2 and err.strip() == f"txasync: no such file or directory: {tmp_path / 'nope'}"
    code, _, err = run(capsys, "check", "--twisted-version", "soon", str(tmp_path))
    assert code == 2 and "twisted-version must look like 24.7" in err
    code, _, err = run(capsys, "frobnicate")
    assert code == 2 and "invalid choice" in err
    code, _, err = run(capsys, "fix", "--only", "nope:f", str(tmp_path))
    assert code == 2 and "--only names no function" in err


def test_bad_pyproject_is_a_usage_error(tmp_path: Path, capsys) -> None:
    write(tmp_path / "pyproject.toml", "[tool.txasync]\nunknown-yield = 'sometimes'\n")
    write(tmp_path / "m.py", IC_MODULE)
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 2 and "unknown-yield must be" in err


def test_refusals_are_listed_with_reasons_and_exit_1(tmp_path: Path, capsys) -> None:
    write(tmp_path / "m.py", "from twisted.internet import defer\n\n\n"
          "@defer.inlineCallbacks\ndef f(d):\n    yield from d\n")
    code, out, err = run(capsys, "fix", str(tmp_path))
    # a run that wrote everything it could is a success; the refusal is reported
    assert code == 0
    assert "1 function not converted" in out and "yield from" in out
    # a function named with --only and not converted is a failure
    code, out, _ = run(capsys, "fix", "--only", "m:f", str(tmp_path))
    assert code == 1 and "yield from" in out


def test_symlink_leaving_the_tree_is_not_written(tmp_path: Path, capsys) -> None:
    outside = write(tmp_path / "outside" / "m.py", IC_MODULE)
    tree = tmp_path / "tree"
    tree.mkdir()
    os.symlink(outside, tree / "link.py")
    code, _, err = run(capsys, "fix", str(tree))
    assert code == 1 and "symlink" in err
    assert outside.read_text() == IC_MODULE


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    import subprocess
    import sys

    write(tmp_path / "m.py", IC_MODULE)
    proc = subprocess.run([sys.executable, "-m", "txasync", "check", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "TXA001" in proc.stdout
