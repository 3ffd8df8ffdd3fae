"""`txasync check` reads its last results back when no input changed, and only then."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from helpers import IC_MODULE, write
from helpers import run_cli as run
from txasync import check_cache, engine
from txasync.analysis.findings import Finding
from txasync.analysis.model import Span


def _no_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the check parses or analyses anything."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the check analysed although nothing changed")

    monkeypatch.setattr("txasync.engine.load_project", refuse)
    monkeypatch.setattr("txasync.engine.analyse", refuse)


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_unchanged_tree_reads_results_back(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    write(tmp_path / "pyproject.toml", "[tool.txasync]\n")
    write(tmp_path / "m.py", IC_MODULE)
    write(tmp_path / "broken.py", "def broken(:\n")
    cold = run(capsys, "check", "--format", fmt, str(tmp_path))
    assert (tmp_path / ".txasync" / "cache" / "check.json").is_file()
    assert (tmp_path / ".txasync" / "cache" / ".gitignore").read_text() == "*\n"
    with monkeypatch.context() as patched:
        _no_analysis(patched)
        warm = run(capsys, "check", "--format", fmt, str(tmp_path))
    assert warm == cold  # exit code, stdout and stderr alike
    assert "broken.py" in cold[2]


def test_any_changed_input_misses(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "pyproject.toml", "[tool.txasync]\n")
    write(tmp_path / "m.py", IC_MODULE)
    first = json.loads(run(capsys, "check", "--format", "json", str(tmp_path))[1])
    assert {d["code"] for d in first} == {"TXA001", "TXA003"}
    # a file's text
    write(tmp_path / "m.py", IC_MODULE.replace("    defer.returnValue(x)\n", "    print(x)\n"))
    second = json.loads(run(capsys, "check", "--format", "json", str(tmp_path))[1])
    assert {d["code"] for d in second} == {"TXA001"}
    # a new file
    write(tmp_path / "n.py", IC_MODULE.replace("def f(", "def g(").replace("f(d)", "g(d)"))
    third = json.loads(run(capsys, "check", "--format", "json", str(tmp_path))[1])
    assert {os.path.basename(d["path"]) for d in third} == {"m.py", "n.py"}
    # the configuration
    code, out, _ = run(capsys, "check", "--format", "json", "--ignore", "TXA003",
                       str(tmp_path))
    assert "TXA003" not in {d["code"] for d in json.loads(out)}
    # evidence recorded by `txasync probe` (any change of the file)
    evidence = tmp_path / ".txasync" / "evidence.json"
    key = check_cache.inputs_key(*_inputs(tmp_path))
    evidence.write_text("{}")
    assert check_cache.inputs_key(*_inputs(tmp_path)) != key
    evidence.unlink()
    assert check_cache.inputs_key(*_inputs(tmp_path)) == key


def _inputs(root: Path) -> tuple[list[str], engine.Config]:
    from txasync.config import load_config

    config = load_config(str(root))
    return engine.discover([str(root)], config)[0], config


def test_library_inputs_are_checked(tmp_path: Path) -> None:
    """A stored result names the library files its lookups read; one that changed since (an
    upgrade) is a miss, as is a module appearing where a lookup found none."""
    library = tmp_path / "lib"
    write(library / "base.py", "class Base:\n    pass\n")
    finding = Finding("TXA001", str(tmp_path / "m.py"), Span(5, 4, 5, 5), "m", "information",
                      "safe", "f", data={"key": "m:f", "tags": []})
    result = check_cache.CheckResult([finding], {}, 1, [], 0)
    assert check_cache.store(str(tmp_path), "k", result, [str(library / "base.py"),
                                                         str(library)])
    assert check_cache.load(str(tmp_path), "k") == result
    assert check_cache.load(str(tmp_path), "other") is None
    write(library / "new.py", "")  # the directory a failed lookup looked in changed
    os.utime(library, ns=(1, 1))
    assert check_cache.load(str(tmp_path), "k") is None


def test_unfaithful_or_unreadable_entries(tmp_path: Path) -> None:
    """Data JSON would change is never stored; a damaged entry is a miss, not an error."""
    finding = Finding("TXA001", "m.py", Span(1, 0, 1, 1), "m", "information", "safe",
                      data={"span": (1, 2)})  # a tuple comes back a list
    assert not check_cache.store(str(tmp_path), "k", check_cache.CheckResult(
        [finding], {}, 1, [], 0), [])
    target = Path(check_cache.cache_path(str(tmp_path)))
    target.parent.mkdir(parents=True, exist_ok=True)
    for damaged in ("{", "[]", '{"key": "k"}', '{"key": "k", "library": [[1]]}'):
        target.write_text(damaged)
        assert check_cache.load(str(tmp_path), "k") is None


def test_no_cache_and_stats_always_analyse(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "pyproject.toml", "[tool.txasync]\n")
    write(tmp_path / "m.py", IC_MODULE)
    run(capsys, "check", str(tmp_path))
    with monkeypatch.context() as patched:
        _no_analysis(patched)
        for flags in (["--no-cache"], ["--stats"]):
            try:
                code, out, err = run(capsys, "check", *flags, str(tmp_path))
            except AssertionError as exc:  # however the command reports a crash
                err = str(exc)
            assert "analysed although nothing changed" in err, flags
