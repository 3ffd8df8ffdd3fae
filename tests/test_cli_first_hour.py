"""Issue 21, "a newcomer's first hour": nothing surprising, nothing silent (the CLI side).

Each test names the item of the issue it covers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_cli as run
from txasync.config import rule_codes
from txasync.rules import RULES

IMPORTS = "from twisted.internet import defer\n\n\n"

A = IMPORTS + (
    "@defer.inlineCallbacks\n"
    "def target(x):\n"
    "    y = yield defer.succeed(x)\n"
    "    defer.returnValue(y)\n\n\n"
    "@defer.inlineCallbacks\n"
    "def other(x):\n"
    "    y = yield defer.succeed(x)\n"
    "    defer.returnValue(y)\n\n\n"
    "async def already():\n"
    "    return 1\n\n\n"
    "def uses_async():\n"
    "    already()\n"
)
B = IMPORTS + (
    "from pkg.a import target, other\n\n\n"
    "@defer.inlineCallbacks\n"
    "def caller(x):\n"
    "    w = yield other(x)\n"
    "    defer.returnValue(w)\n\n\n"
    "def plain(x):\n"
    "    return target(x).addCallback(print)\n"
)


def project(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(A)
    (pkg / "b.py").write_text(B)
    return pkg




# -- item 15: --only touches the named functions and their callers, nothing else ---------
def test_only_touches_named_functions_and_their_callers(tmp_path: Path, capsys) -> None:
    pkg = project(tmp_path)
    code, out, err = run(capsys, "fix", "--only", "pkg.a:target", str(pkg))
    assert code == 0, out + err
    a, b = (pkg / "a.py").read_text(), (pkg / "b.py").read_text()
    assert "async def target(x):" in a
    # `other` is not named: its returnValue stays, and so does `caller`'s in b.py
    assert a.count("defer.returnValue(y)") == 1 and "defer.returnValue(w)" in b
    # the call of the already-async `already()` is a TXA011 of its own, not --only's business
    assert "    already()\n" in a
    # the caller of `target` is wrapped
    assert "defer.ensureDeferred(target(x)).addCallback(print)" in b


def test_fix_exit_codes(tmp_path: Path, capsys) -> None:
    pkg = project(tmp_path)
    assert run(capsys, "fix", "--diff", str(pkg))[0] == 1  # --diff: there is a diff
    code, out, err = run(capsys, "fix", str(pkg))
    assert code == 0, out + err  # a successful conversion exits 0
    assert run(capsys, "fix", "--diff", str(pkg))[0] == 0  # nothing left to show


# -- item 5: unknown codes are a usage error, unknown keys a warning ---------------------
@pytest.mark.parametrize("flag", ["--select", "--ignore"])
@pytest.mark.parametrize("code", ["TXA999", "FOO"])
def test_unknown_rule_codes_exit_2_with_the_list(tmp_path: Path, capsys, flag: str,
                                                 code: str) -> None:
    pkg = project(tmp_path)
    status, _, err = run(capsys, "check", flag, code, str(pkg))
    assert status == 2
    assert f"unknown rule code {code}" in err and ", ".join(rule_codes()) in err


def test_prefixes_of_known_codes_are_accepted(tmp_path: Path, capsys) -> None:
    pkg = project(tmp_path)
    status, out, _ = run(capsys, "check", "--select", "TXA01", str(pkg))
    assert status == 1 and "TXA011" in out and "TXA001" not in out


def test_unknown_codes_in_pyproject_are_a_usage_error(tmp_path: Path, capsys) -> None:
    project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.txasync]\nignore = ['TXA0003']\n")
    status, _, err = run(capsys, "check", str(tmp_path))
    assert status == 2 and "unknown rule code TXA0003" in err


def test_unknown_pyproject_keys_are_a_warning(tmp_path: Path, capsys) -> None:
    project(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.txasync]\ncoroutine-aware-decorator = ['x.y']\n")
    status, _, err = run(capsys, "check", str(tmp_path))
    assert status == 1  # still runs
    assert "warning:" in err and "unknown key 'coroutine-aware-decorator'" in err
    assert "coroutine-aware-decorators" in err  # the known keys are listed


def test_rule_codes_list_matches_the_rules() -> None:
    assert set(rule_codes()) == set(RULES)


# -- item 8: piped output is not wrapped or cut; fix has JSON on stdout -----------------
def test_piped_tables_do_not_wrap_names(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    long = "a_rather_long_function_name_that_would_not_fit_in_eighty_columns_at_all"
    (pkg / "m.py").write_text(IMPORTS + f"@defer.inlineCallbacks\ndef {long}(d):\n"
                              "    yield from d\n")
    proc = subprocess.run([sys.executable, "-m", "txasync", "fix", "--diff", str(pkg)],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert long in proc.stdout + proc.stderr
    progress = subprocess.run([sys.executable, "-m", "txasync", "progress", str(pkg)],
                              capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert "top blocker" in progress.stdout  # the last column is not cut


def test_fix_format_json_on_stdout(tmp_path: Path, capsys) -> None:
    pkg = project(tmp_path)
    code, out, _ = run(capsys, "fix", "--format", "json", "--diff", str(pkg))
    data = json.loads(out)
    assert data["converted"] == ["pkg.a:other", "pkg.a:target", "pkg.b:caller"]
    assert data["dry_run"] is True and data["diff"].startswith("--- ")
    assert data["wrapped_call_sites"] == 2 and data["errors"] == []
    code, out, _ = run(capsys, "fix", "--format", "json", str(pkg))
    assert code == 0 and json.loads(out)["files_changed"]


# -- item 9: empty input says so ----------------------------------------------------------
def test_empty_input_says_no_python_files(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 0 and f"no Python files in {tmp_path}" in err
    code, out, err = run(capsys, "progress", str(tmp_path))
    assert code == 0 and "100%" not in out and "no Python files" in err
    (tmp_path / "x.py").write_text("x = 1\n")
    code, out, err = run(capsys, "progress", str(tmp_path))
    assert "100%" not in out
    assert "No inlineCallbacks, Deferred or async functions in 1 Python file" in out
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 0 and "No findings in 1 Python file." in err


# -- item 10: wording ----------------------------------------------------------------------
def test_summaries_use_the_singular_and_one_tense(tmp_path: Path, capsys) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text(IMPORTS + "@defer.inlineCallbacks\ndef f(d):\n"
                              "    x = yield defer.succeed(d)\n    return x\n")
    code, out, err = run(capsys, "check", str(pkg))
    assert "Found 1 finding (" in err
    code, out, err = run(capsys, "fix", "--diff", str(pkg))
    assert ("would convert 1 function, wrap 0 call sites in `ensureDeferred`, rewrite 0 other "
            "returnValue calls, in 1 file") in err
    assert "Next: `txasync fix` applies these changes" in err


def test_help_explains_every_option() -> None:
    from txasync.cli import build_parser

    parser = build_parser()
    for action in parser._subparsers._group_actions[0].choices["fix"]._actions:  # type: ignore
        if action.dest != "help":
            assert action.help, action.dest


def test_plan_explains_its_columns(tmp_path: Path, capsys) -> None:
    pkg = project(tmp_path)
    code, out, _ = run(capsys, "plan", str(pkg))
    assert "IC callers left" not in out
    assert "unconverted inlineCallbacks callers" in out
    assert "wraps no longer needed" in out


# -- item 13: reasons are text, not rich markup -------------------------------------------
def test_reasons_print_as_written(tmp_path: Path, capsys) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text(IMPORTS + "import mylib\n\n\n@mylib.traced\n"
                              "@defer.inlineCallbacks\ndef f(d):\n    x = yield d\n    return x\n")
    code, out, err = run(capsys, "fix", str(pkg))
    assert "list it in [tool.txasync] coroutine-aware-decorators" in " ".join(out.split())


# -- items 4 and 14: the README's first command and its chart -------------------------------
README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_first_command_installs_the_examples_dependencies() -> None:
    first = next(line for line in README.splitlines() if "txasync check examples" in line)
    assert "twisted" in first.split("&& txasync")[0].lower()


def test_readme_chart_says_what_it_was_drawn_from() -> None:
    caption = " ".join(
        README.split("![progress](docs/progress.png)", 1)[1].split("\n\n", 2)[1].split())
    # a real history, named with the commit it was drawn at, and the command that drew it
    assert "matrix-org/synapse" in caption and "6ad012ef89" in caption
    assert "txasync progress --history --since 2019-01-01 --png progress.png" in caption


def test_skipped_tests_are_named() -> None:
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml")
                              .read_text())
    assert "-rs" in pyproject["tool"]["pytest"]["ini_options"]["addopts"].split()


# -- issue 19 (check readable on a big project): TXA004 is opt-in in the CLI -------------
UNKNOWN_YIELDS = '''
from twisted.internet import defer


@defer.inlineCallbacks
def f(cache, key):
    a = yield cache.lookup(key)
    b = yield cache.lookup(a)
    return b
'''


def test_unknown_yields_are_counted_in_txa001_and_listed_only_when_selected(
        tmp_path: Path, capsys) -> None:
    (tmp_path / "m.py").write_text(UNKNOWN_YIELDS)
    code, out, err = run(capsys, "check", str(tmp_path))
    assert "TXA004" not in out.replace("(TXA004)", "")
    [line] = [x for x in out.splitlines() if " TXA001 " in x]
    assert "2 yields of values txasync cannot tell are Deferreds become " \
           "`await defer.maybeDeferred(...)` (TXA004)" in line
    code, out, err = run(capsys, "check", "--select", "TXA004", str(tmp_path))
    assert len([x for x in out.splitlines() if " TXA004 " in x]) == 2
