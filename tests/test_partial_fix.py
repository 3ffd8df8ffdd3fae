"""A file that cannot be rewritten takes out every conversion that needed it, and only those.

A conversion edits several files: the function's own and those of callers that need a
wrap. `txasync fix` once wrote every file that did rewrite, so a failure in the library
module left its callers wrapping functions that were still generators (`ensureDeferred`
of a Deferred: TypeError). Here a rewrite failure is planted in one file of
tests/fixtures/partial (a library module, a module calling it, and trial tests), the fix
is run, and the partly converted tree's own tests must still pass; the exit code and the
summary must name the functions left and why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from helpers import ROOT, copy_project, run_trial
from txasync import engine
from txasync.cli import main
from txasync.config import Config
from txasync.rewrite import convert

PARTIAL = ROOT / "tests" / "fixtures" / "partial"


def _plant(monkeypatch: pytest.MonkeyPatch, failing: str, how: str) -> None:
    """Make the rewrite of the file named `failing` fail: by raising, or (`uncompilable`) by
    producing a module that does not compile."""
    if how == "raises":
        real = convert.rewrite_source

        def rewrite(source, plan, facts, path="<string>",  # type: ignore[no-untyped-def]
                    *args, **kwargs):
            if Path(path).name == failing:
                raise RuntimeError("planted fault")
            return real(source, plan, facts, path, *args, **kwargs)

        monkeypatch.setattr(convert, "rewrite_source", rewrite)
    else:
        real_tidy = convert._tidy_imports

        def tidy(module, facts, *args, **kwargs):  # type: ignore[no-untyped-def]
            if Path(facts.path).name == failing:
                return cst.Module(body=[cst.SimpleStatementLine([cst.Expr(cst.Name("def"))])])
            return real_tidy(module, facts, *args, **kwargs)

        monkeypatch.setattr(convert, "_tidy_imports", tidy)


# file that fails -> functions left unconverted (those it defines, those it wraps callers of)
LEFT = {
    "store.py": {"fetch", "fetch_both", "Shelf.put"},
    "orders.py": {"place", "fetch"},
    "test_orders.py": {"place", "fetch_both"},
}


@pytest.mark.parametrize("how", ["raises", "uncompilable"])
@pytest.mark.parametrize("failing", sorted(LEFT))
def test_a_failing_file_leaves_out_what_needs_it_and_the_tree_stays_consistent(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        failing: str, how: str) -> None:
    root = copy_project(PARTIAL, tmp_path / "p")
    summary, output = run_trial(sys.executable, root, "depot")
    assert summary.startswith("PASSED"), output
    originals = {p: p.read_text() for p in root.rglob("*.py")}
    _plant(monkeypatch, failing, how)

    code = main(["fix", "--jobs", "1", str(root / "depot")])
    _, err = capsys.readouterr()

    assert code == 1
    broken = next(p for p in originals if p.name == failing)
    assert broken.read_text() == originals[broken]  # never written
    written = [p for p in originals if p.read_text() != originals[p]]
    assert written, err  # the rest of the run went ahead
    left = {line.split(": ")[1].split(" left unconverted")[0]
            for line in err.splitlines() if " left unconverted: " in line}
    assert left == LEFT[failing], err
    reason = "planted fault" if how == "raises" else "would not compile"
    for line in err.splitlines():
        if " left unconverted: " in line:
            assert f"left unconverted: {broken}:" in line and reason in line, line
    for path in written:  # no converted function is among the ones left out
        for name in LEFT[failing]:
            assert f"async def {name.split('.')[-1]}(" not in path.read_text()

    summary, output = run_trial(sys.executable, root, "depot")
    assert summary.startswith("PASSED"), output


def test_without_failures_everything_converts_in_one_round(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(PARTIAL, tmp_path / "p")
    files, _ = engine.discover([str(root / "depot")], Config(root=str(root)))
    project = engine.load_project(files, Config(root=str(root)))
    rounds = []
    real = engine.compute_fixes

    def counted(project, plans, jobs=1):  # type: ignore[no-untyped-def]
        rounds.append(sorted(plans))
        return real(project, plans, jobs=jobs)

    monkeypatch.setattr(engine, "compute_fixes", counted)
    run = engine.fix_project(project)
    assert len(rounds) == 1 and not run.left_out
    assert all(o.error is None for o in run.outcomes)
    converted = {name for o in run.outcomes if o.result for name in o.result.converted}
    assert converted == {"fetch", "fetch_both", "Shelf.put", "place"}
