"""The baseline ratchet: `txasync check --write-baseline` / `--baseline`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from txasync.analysis.findings import Finding
from txasync.analysis.model import Span
from txasync.cli import main
from txasync.report.baseline import BaselineError, apply_baseline, keyed, write_baseline

ROOT = Path(__file__).resolve().parent.parent

HEADER = "from twisted.internet import defer\n"


def ic(name: str) -> str:
    """An IC function with one TXA001 and one TXA003 finding."""
    return (f"\n\n@defer.inlineCallbacks\ndef {name}(d):\n    x = yield d\n"
            "    defer.returnValue(x)\n")


def twice(extra: str = "") -> str:
    """An IC function with two identical TXA003 findings (three with `extra`)."""
    return ("\n\n@defer.inlineCallbacks\ndef twice(d):\n    x = yield d\n" + extra +
            "    if x:\n        defer.returnValue(x + 1)\n    defer.returnValue(x)\n")


def project(root: Path, **modules: str) -> Path:
    root.mkdir(exist_ok=True)
    # two codes only, so the expectations do not move with unrelated rules
    (root / "pyproject.toml").write_text('[tool.txasync]\ntwisted-version = "24.7"\n'
                                         'select = ["TXA001", "TXA003"]\n')
    pkg = root / "pkg"
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    for name, text in modules.items():
        (pkg / f"{name}.py").write_text(text)
    return root


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(["check", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def codes(lines: list[str]) -> list[str]:
    """`pkg/a.py:7 TXA001` for each reported text line (columns left out)."""
    out = []
    for line in lines:
        location, _, rest = line.partition(": ")
        path, lineno, _ = location.rsplit(":", 2)
        out.append(f"{Path(path).as_posix().split('/pkg/')[-1]}:{lineno} {rest.split()[0]}")
    return out


@pytest.fixture
def baselined(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    root = project(tmp_path / "p", a=HEADER + ic("old") + twice(),
                   b=HEADER + ic("other"))
    baseline = tmp_path / "baseline.json"
    code, _, err = check(capsys, "--write-baseline", str(baseline), str(root))
    assert code == 0 and "wrote 7 findings" in err
    return root, baseline


def test_baseline_file_is_keyed_without_lines(baselined: tuple[Path, Path]) -> None:
    _, baseline = baselined
    data = json.loads(baseline.read_text())
    assert data == {"txasync-baseline": 1, "entries": [
        {"path": "pkg/a.py", "function": "old", "code": "TXA001", "count": 1},
        {"path": "pkg/a.py", "function": "old", "code": "TXA003", "count": 1},
        {"path": "pkg/a.py", "function": "twice", "code": "TXA001", "count": 1},
        {"path": "pkg/a.py", "function": "twice", "code": "TXA003", "count": 2},
        {"path": "pkg/b.py", "function": "other", "code": "TXA001", "count": 1},
        {"path": "pkg/b.py", "function": "other", "code": "TXA003", "count": 1},
    ]}


def test_nothing_new_is_clean(baselined: tuple[Path, Path],
                              capsys: pytest.CaptureFixture[str]) -> None:
    root, baseline = baselined
    code, out, err = check(capsys, "--baseline", str(baseline), str(root))
    assert (code, out) == (0, [])
    assert "no longer found" not in err


def test_new_function_is_reported_old_one_is_not(baselined: tuple[Path, Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root, baseline = baselined
    a = root / "pkg" / "a.py"
    a.write_text(a.read_text() + ic("fresh"))
    code, out, _ = check(capsys, "--baseline", str(baseline), str(root))
    assert code == 1
    assert [line.split()[1:3] for line in out] == [["TXA001", "`fresh`"],
                                                   ["TXA003", "`returnValue(...)`"]]
    assert all(line.split(":")[0].endswith("a.py") for line in out)


def test_moving_code_does_not_make_it_new(baselined: tuple[Path, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root, baseline = baselined
    a = root / "pkg" / "a.py"
    # another import and a comment block above, and the two functions swapped
    a.write_text(HEADER + "import os\n\n# moved\n# around\n" + twice() + ic("old"))
    code, out, err = check(capsys, "--baseline", str(baseline), str(root))
    assert (code, out) == (0, [])
    assert "no longer found" not in err


def test_removed_function_is_a_stale_entry(baselined: tuple[Path, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root, baseline = baselined
    (root / "pkg" / "b.py").write_text(HEADER)
    code, out, err = check(capsys, "--baseline", str(baseline), str(root))
    assert (code, out) == (0, [])
    assert err.splitlines() == [
        "baseline entry no longer found (remove it): pkg/b.py: TXA001 in other",
        "baseline entry no longer found (remove it): pkg/b.py: TXA003 in other",
    ]


def test_counts_per_key(baselined: tuple[Path, Path],
                        capsys: pytest.CaptureFixture[str]) -> None:
    """Two identical findings in one function are two entries: a third is new, and one
    fewer leaves a partly stale entry."""
    root, baseline = baselined
    a = root / "pkg" / "a.py"
    a.write_text(HEADER + ic("old") + twice("    if not x:\n        defer.returnValue(0)\n"))
    code, out, _ = check(capsys, "--baseline", str(baseline), str(root))
    assert code == 1
    assert len(out) == 1 and " TXA003 " in out[0]
    # the first two (in file order) are the baselined ones; the last one is reported
    lines = [n for n, line in enumerate(a.read_text().splitlines(), 1) if "returnValue" in line]
    assert f":{lines[-1]}:" in out[0]

    a.write_text(HEADER + ic("old") + ic("twice"))
    code, out, err = check(capsys, "--baseline", str(baseline), str(root))
    assert (code, out) == (0, [])
    assert err.splitlines() == [
        "baseline entry no longer found (remove it): pkg/a.py: TXA003 in twice (1 of 2)"]


def test_missing_baseline_is_a_usage_error(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, a=HEADER + ic("f"))
    code, _, err = check(capsys, "--baseline", str(tmp_path / "nope.json"), str(root))
    assert code == 2
    assert "does not exist" in err and "--write-baseline" in err


@pytest.mark.parametrize("content", ["{", "[]", '{"txasync-baseline": 99, "entries": []}',
                                     '{"txasync-baseline": 1, "entries": [{"path": 1}]}'])
def test_malformed_baseline_is_a_usage_error(tmp_path: Path, content: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, a=HEADER + ic("f"))
    (tmp_path / "bad.json").write_text(content)
    code, _, err = check(capsys, "--baseline", str(tmp_path / "bad.json"), str(root))
    assert code == 2
    assert "internal error" not in err and "bad.json" in err


def test_unwritable_baseline(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot write baseline"):
        write_baseline(str(tmp_path / "missing-dir" / "b.json"), [], str(tmp_path))


def _finding(path: str, line: int, code: str = "TXA003", function: str = "f") -> Finding:
    return Finding(code, path, Span(line, 4, line, 10), "m", "hint", "safe", function)


def test_apply_baseline_directly(tmp_path: Path) -> None:
    root = str(tmp_path)
    path = str(tmp_path / "m.py")
    baseline = str(tmp_path / "b.json")
    write_baseline(baseline, [_finding(path, 3), _finding(path, 9, "TXA001", "g")], root)
    new, gone = apply_baseline(baseline, [_finding(path, 30), _finding(path, 40),
                                          _finding(path, 5, "TXA001", "h")], root)
    assert [(f.span.line, f.function) for f in new] == [(5, "h"), (40, "f")]
    assert gone == ["m.py: TXA001 in g"]


def test_keys_number_occurrences_in_file_order(tmp_path: Path) -> None:
    path = str(tmp_path / "m.py")
    found = keyed([_finding(path, 9), _finding(path, 2), _finding(path, 5, function="")],
                  str(tmp_path))
    assert [(key, n, f.span.line) for key, n, f in found] == [
        (("m.py", "f", "TXA003"), 0, 2), (("m.py", "", "TXA003"), 0, 5),
        (("m.py", "f", "TXA003"), 1, 9)]


def test_pre_commit_hooks_use_the_baseline() -> None:
    yaml = pytest.importorskip("yaml")
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"txasync-check", "txasync-fix"}
    check_hook, fix_hook = hooks["txasync-check"], hooks["txasync-fix"]
    assert check_hook["entry"] == "txasync check"
    assert check_hook["args"] == ["--baseline", ".txasync-baseline.json"]
    assert check_hook["pass_filenames"] is False  # whole-project analysis, see docs/ci.md
    assert fix_hook["entry"] == "txasync fix" and fix_hook["args"] == ["--safe-only"]
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["types"] == ["python"]
    assert "txasync-check" in (ROOT / "docs" / "ci.md").read_text()
