"""`txasync fix` and the user's files: every file ends up old or new, never in between.

Writes go through a temporary file in the same directory and a rename; permission bits
(the executable bit too) survive; links that leave the tree are refused (the basic case is in
test_cli.py, the other link shapes are here); a rewrite that would not compile is reported and
never written; and a run interrupted by Ctrl-C leaves each file byte-identical either to the
original or to what an uninterrupted run writes, with a one-line message and no traceback.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import libcst as cst
import pytest

from helpers import IC_MODULE
from txasync import fileio
from txasync.cli import main
from txasync.rewrite import convert


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def fix(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["fix", "--jobs", "1", *args])
    out, err = capsys.readouterr()
    return code, out, err


# -- temp file and rename -------------------------------------------------------------------


def test_fix_writes_a_temp_file_in_the_same_directory_and_renames_it(
        tmp_path: Path, capsys, monkeypatch) -> None:
    target = write(tmp_path / "pkg" / "m.py", IC_MODULE)
    before_inode = target.stat().st_ino
    calls: list[tuple[str, str, bytes]] = []
    real_replace = os.replace

    def spy(src, dst):  # type: ignore[no-untyped-def]
        calls.append((os.fspath(src), os.fspath(dst), Path(src).read_bytes()))
        return real_replace(src, dst)

    monkeypatch.setattr(fileio.os, "replace", spy)
    code, _, err = fix(capsys, str(tmp_path))
    assert code == 0, err
    assert len(calls) == 1
    src, dst, data = calls[0]
    assert dst == str(target.resolve())
    assert os.path.dirname(src) == os.path.dirname(dst)  # same filesystem: rename is atomic
    assert os.path.basename(src).startswith(".txasync-") and src.endswith(".tmp")
    assert data == target.read_bytes() and b"async def f" in data  # complete before rename
    assert target.stat().st_ino != before_inode
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".txasync-")]


def test_a_failing_rename_leaves_the_file_and_no_temp_file(
        tmp_path: Path, capsys, monkeypatch) -> None:
    target = write(tmp_path / "m.py", IC_MODULE)

    def refuse(src, dst):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fileio.os, "replace", refuse)
    code, _, err = fix(capsys, str(tmp_path))
    assert code == 1
    assert "cannot write" in err and "Traceback" not in err
    assert target.read_text() == IC_MODULE
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]


def test_encoding_and_newlines_survive(tmp_path: Path, capsys) -> None:
    text = ("# -*- coding: latin-1 -*-\r\n" + IC_MODULE.replace("\n", "\r\n")
            + "# caf\xe9\r\n")
    target = tmp_path / "m.py"
    target.write_bytes(text.encode("latin-1"))
    code, _, err = fix(capsys, str(tmp_path))
    assert code == 0, err
    data = target.read_bytes()
    assert b"async def f" in data and data.endswith(b"# caf\xe9\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_classic_mac_line_ends_survive(tmp_path: Path, capsys) -> None:
    """A file with lone \\r line ends (LibCST alone does not reproduce one byte for byte)
    converts, keeps its line ends, and a second fix changes nothing."""
    caller = "\n\ndef g(d):\n    return f(d).addCallback(print)  # wrapped\n"
    text = (IC_MODULE + caller).replace("\n", "\r")
    target = tmp_path / "m.py"
    target.write_bytes(text.encode())
    code, _, err = fix(capsys, str(tmp_path))
    assert code == 0, err
    data = target.read_bytes()
    assert b"\n" not in data and b"async def f" in data and b"ensureDeferred(f(d))" in data
    compile(data, "m.py", "exec")
    fix(capsys, str(tmp_path))
    assert target.read_bytes() == data


# -- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o755, 0o750, 0o640, 0o600, 0o444])
def test_permission_bits_survive(tmp_path: Path, capsys, mode: int) -> None:
    target = write(tmp_path / "tool.py", "#!/usr/bin/env python\n" + IC_MODULE)
    target.chmod(mode)
    try:
        code, _, err = fix(capsys, str(tmp_path))
        assert code == 0, err
        assert "async def f" in target.read_text()
        assert stat.S_IMODE(target.stat().st_mode) == mode
    finally:
        target.chmod(0o644)


# -- symlinks -------------------------------------------------------------------------------


def test_symlink_inside_the_tree_rewrites_the_target_and_stays_a_link(
        tmp_path: Path, capsys) -> None:
    real = write(tmp_path / "tree" / "real" / "m.py", IC_MODULE)
    link = tmp_path / "tree" / "link.py"
    os.symlink(os.path.relpath(real, link.parent), link)
    code, _, err = fix(capsys, str(tmp_path / "tree"))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == os.path.relpath(real, link.parent)
    assert "async def f" in real.read_text()


def test_symlinked_directory_leaving_the_tree_is_not_followed(tmp_path: Path, capsys) -> None:
    outside = write(tmp_path / "outside" / "m.py", IC_MODULE)
    tree = tmp_path / "tree"
    write(tree / "own.py", IC_MODULE)
    os.symlink(outside.parent, tree / "linked")
    code, _, err = fix(capsys, str(tree))
    assert code == 0, err
    assert outside.read_text() == IC_MODULE
    assert "async def f" in (tree / "own.py").read_text()


def test_symlink_chain_that_ends_outside_the_tree_is_refused(tmp_path: Path, capsys) -> None:
    outside = write(tmp_path / "outside" / "m.py", IC_MODULE)
    tree = tmp_path / "tree"
    tree.mkdir()
    os.symlink(outside, tmp_path / "hop.py")  # the first hop is outside too
    os.symlink(tmp_path / "hop.py", tree / "link.py")
    code, _, err = fix(capsys, str(tree))
    assert code == 1 and "symlink" in err
    assert outside.read_text() == IC_MODULE


def test_dangling_symlink_is_reported_not_fatal(tmp_path: Path, capsys) -> None:
    tree = tmp_path / "tree"
    write(tree / "own.py", IC_MODULE)
    os.symlink(tmp_path / "nowhere.py", tree / "gone.py")
    code, _, err = fix(capsys, str(tree))
    assert code == 1
    assert "gone.py" in err and "Traceback" not in err and "internal error" not in err
    assert "async def f" in (tree / "own.py").read_text()


# -- never a file that does not parse -------------------------------------------------------


def _broken_module(*args, **kwargs):  # type: ignore[no-untyped-def]
    """What a buggy rewrite step might hand back: a module that renders as `def`."""
    return cst.Module(body=[cst.SimpleStatementLine([cst.Expr(cst.Name("def"))])])


def test_a_rewrite_that_does_not_compile_is_reported_and_not_written(
        tmp_path: Path, capsys, monkeypatch) -> None:
    broken = write(tmp_path / "a.py", IC_MODULE)
    monkeypatch.setattr(convert, "_tidy_imports", _broken_module)
    code, _, err = fix(capsys, str(tmp_path))
    assert code == 1
    assert broken.read_text() == IC_MODULE
    assert "a.py:1:1: the rewrite would not compile" in err and "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]


def test_one_broken_rewrite_does_not_stop_the_other_files(
        tmp_path: Path, capsys, monkeypatch) -> None:
    broken = write(tmp_path / "a.py", IC_MODULE)
    fine = write(tmp_path / "b.py", IC_MODULE)
    real = convert._tidy_imports

    def only_for_a(module, facts, *args, **kwargs):  # type: ignore[no-untyped-def]
        if facts.path.endswith("a.py"):
            return _broken_module()
        return real(module, facts, *args, **kwargs)

    monkeypatch.setattr(convert, "_tidy_imports", only_for_a)
    code, _, err = fix(capsys, str(tmp_path))
    assert code == 1
    assert broken.read_text() == IC_MODULE
    assert "async def f" in fine.read_text()
    assert "would not compile" in err


def test_a_crashing_rewrite_is_an_internal_error_for_that_file_only(
        tmp_path: Path, capsys, monkeypatch) -> None:
    crashing = write(tmp_path / "a.py", IC_MODULE)
    fine = write(tmp_path / "b.py", IC_MODULE)
    real = convert._tidy_imports

    def crash_for_a(module, facts, *args, **kwargs):  # type: ignore[no-untyped-def]
        if facts.path.endswith("a.py"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(module, facts, *args, **kwargs)

    monkeypatch.setattr(convert, "_tidy_imports", crash_for_a)
    code, _, err = fix(capsys, str(tmp_path))
    assert code == 1
    assert crashing.read_text() == IC_MODULE and "async def f" in fine.read_text()
    assert "a.py:1:1: internal error while rewriting: RecursionError" in err
    assert "Traceback" not in err


MULTI_LINE_RETURN = (
    "from twisted.internet import defer\n\n\n"
    "@defer.inlineCallbacks\n"
    "def multi(x):\n"
    "    yield defer.succeed(x)\n"
    "    defer.returnValue(\n"
    "        x\n"
    "        and x.ok\n"
    "    )\n"
)


def test_a_rewrite_that_does_not_parse_names_the_line_of_the_users_file(
        tmp_path: Path, capsys, monkeypatch) -> None:
    # The old returnValue rewrite, planted back: `return x` / `and x.ok` on its own line.
    target = write(tmp_path / "m.py", MULTI_LINE_RETURN)
    monkeypatch.setattr(convert, "_returned", lambda call, arg: arg.value)
    code, _, err = fix(capsys, str(target))
    assert code == 1 and target.read_text() == MULTI_LINE_RETURN
    # line 9 is `        and x.ok` in the user's file (line 8 of the broken rewrite)
    assert "m.py:9:" in err and "internal error while rewriting: IndentationError" in err
    assert "m.py:1:1:" not in err and "<unknown>" not in err and "Traceback" not in err


def test_a_crash_while_visiting_names_the_node_it_was_working_on(
        tmp_path: Path, capsys, monkeypatch) -> None:
    target = write(tmp_path / "m.py", IC_MODULE)

    def crash(self, original, updated):  # type: ignore[no-untyped-def]
        raise KeyError("planted")

    monkeypatch.setattr(convert._Converter, "leave_Yield", crash)
    code, _, err = fix(capsys, str(target))
    assert code == 1 and target.read_text() == IC_MODULE
    # the yield of `x = yield defer.succeed(d)` is at line 6, column 9
    assert "m.py:6:9: internal error while rewriting: KeyError" in err


def test_the_multi_line_return_value_of_the_report_is_converted(
        tmp_path: Path, capsys) -> None:
    target = write(tmp_path / "m.py", MULTI_LINE_RETURN)
    code, _, err = fix(capsys, str(target))
    assert code == 0, err
    assert "    return (\n        x\n        and x.ok\n    )\n" in target.read_text()


# -- interruption ---------------------------------------------------------------------------

N_FILES = 300
# 130 is what `main` returns; under `python -m`, CPython sometimes exits by re-raising SIGINT
# after the message instead (-2 here, 130 in a shell's `$?`, the same to the user).
INTERRUPTED = (130, -signal.SIGINT)


def _project(root: Path) -> dict[Path, str]:
    """A package of N_FILES modules with inlineCallbacks functions calling across files."""
    files = {root / "app" / "__init__.py": ""}
    for i in range(N_FILES):
        other = (i + 1) % N_FILES
        files[root / "app" / f"m{i:03d}.py"] = (
            "from twisted.internet import defer\n"
            f"from app import m{other:03d}\n\n\n"
            "@defer.inlineCallbacks\n"
            f"def get{i}(store, key):\n"
            f"    # module {i}\n"
            "    value = yield store.get(key)\n"
            f"    defer.returnValue(value + {i})\n\n\n"
            f"def later{i}(store):\n"
            f"    return m{other:03d}.get{other}(store, 'k').addCallback(print)\n"
        )
    for path, text in files.items():
        write(path, text)
    return files


# A slow disk, so that an interrupt lands between files: every fsync takes 20 ms longer.
# Nothing else about the process is changed: its own signal handling and exit path run.
_SLOW_DISK_MAIN = (
    "import os, sys, time\n"
    "_fsync = os.fsync\n"
    "def fsync(fd):\n"
    "    time.sleep(0.02)\n"
    "    return _fsync(fd)\n"
    "os.fsync = fsync\n"
    "from txasync.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _interruptible() -> None:
    """Ctrl-C's default action in the child, whatever this process inherited: a shell that
    starts a job in the background without job control (`cmd &`) makes it ignore SIGINT, and
    a Python that starts with SIGINT ignored never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _snapshot(paths) -> dict[Path, tuple[int, int]]:  # type: ignore[no-untyped-def]
    result = {}
    for p in paths:
        st_ = p.stat()
        result[p] = (st_.st_mtime_ns, st_.st_ino)
    return result


def test_interrupted_fix_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    original = _project(tmp_path / "run")
    expected_files = _project(tmp_path / "reference")
    # The uninterrupted run on a copy runs alongside (one core each): same command, same
    # slow disk, left to finish.
    reference = subprocess.Popen(
        [sys.executable, "-c", _SLOW_DISK_MAIN, "fix", "--jobs", "1", "app"],
        cwd=tmp_path / "reference", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start = _snapshot(original)
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_DISK_MAIN, "fix", "--jobs", "1", "app"],
        cwd=tmp_path / "run", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_interruptible)
    try:
        deadline = time.monotonic() + 240
        written = 0
        while written < 3 and proc.poll() is None and time.monotonic() < deadline:
            now = _snapshot(original)
            written = sum(now[p] != start[p] for p in original)
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        ref_out, ref_err = reference.communicate(timeout=300)
    finally:
        for p in (proc, reference):
            if p.poll() is None:
                p.kill()
                p.communicate()
    assert reference.returncode == 0, ref_err[-2000:]
    expected = {tmp_path / "run" / p.relative_to(tmp_path / "reference"): p.read_text()
                for p in expected_files}
    assert all("async def get" in expected[p] for p in original if p.name != "__init__.py")

    assert proc.returncode in INTERRUPTED, (proc.returncode, err[-2000:])
    assert err.splitlines() == [
        "txasync: interrupted; files already written are complete, others untouched"], err
    assert "Traceback" not in out + err

    new = old = 0
    for path, text in original.items():
        content = path.read_text()
        if content == text:
            old += 1
        else:
            assert content == expected[path], f"{path.name} is neither old nor new"
            new += 1
    assert new >= 3 and old >= 1, (new, old)  # it really stopped half-way
    leftovers = [p for p in (tmp_path / "run").rglob("*") if p.name.startswith(".txasync-")]
    assert not leftovers


def test_interrupt_before_anything_is_written_changes_nothing(tmp_path: Path) -> None:
    original = _project(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "txasync", "fix", "--jobs", "1", "app"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_interruptible)
    time.sleep(1.0)  # importing and reading, long before 300 rewrites are done
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be interrupted")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode in INTERRUPTED, (proc.returncode, err[-2000:])
    assert len(err.splitlines()) == 1 and "interrupted" in err, err
    assert all(path.read_text() == text for path, text in original.items())


def test_an_interrupt_wrapped_by_the_interpreter_is_still_an_interrupt(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while a class is being created (an import) reaches `main` as a RuntimeError
    from `__set_name__` whose cause is the KeyboardInterrupt: exit 130, not "internal
    error" (this raced in the test above on a loaded machine)."""
    from txasync import cli

    def interrupted(*args: object) -> int:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__") from exc

    monkeypatch.setitem(cli.COMMANDS, "check", interrupted)
    assert cli.main(["check", "."]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_an_interrupt_while_the_commands_load_is_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Building the parser imports every command's modules: on a loaded machine Ctrl-C
    landed there, outside `main`'s handling, and printed a traceback."""
    from txasync import cli

    def slow_import() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", slow_import)
    assert cli.main(["check", "."]) == 130
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "interrupted" in err, err


@pytest.mark.parametrize("where", ["rewrite", "facts"])
def test_an_interrupt_a_library_turns_into_another_error_stops_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        where: str) -> None:
    """Ctrl-C inside LibCST's position bookkeeping came out as a KeyError raised while it
    unwound, with the interrupt as its context: the run reported that file as an internal
    error and went on converting the others, exit 1 (CI, on a loaded machine). The per-file
    handlers for txasync's own bugs now let the interrupt through: exit 130, one line, and
    nothing written."""
    from txasync import cli, engine
    from txasync.rewrite import convert

    original = _project(tmp_path)

    def unwinding(*args: object, **kwargs: object) -> object:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            # what LibCST's __exit__ raised: the interrupt is its implicit context
            raise KeyError("IndentedBlock(...)")  # noqa: B904

    if where == "rewrite":
        monkeypatch.setattr(convert, "_tidy_imports", unwinding)
    else:
        monkeypatch.setattr(engine, "extract_facts", unwinding)
    code = cli.main(["fix", "--jobs", "1", str(tmp_path / "app")])
    err = capsys.readouterr().err
    assert code == 130, err
    assert err.splitlines() == [
        "txasync: interrupted; files already written are complete, others untouched"], err
    assert all(path.read_text() == text for path, text in original.items())
