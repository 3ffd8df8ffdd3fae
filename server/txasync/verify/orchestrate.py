"""`txasync fix --verify`: convert, run the project's tests, take back what changed an outcome.

1. Baseline: the suite with the probe (evidence, each test's outcome and the functions it
   ran), or the record of a `txasync probe` run of the same tree and command.
2. Convert everything convertible (with that evidence), write it all, run the suite.
3. Tests whose outcome changed are first run again (twice) on the original tree: one that
   differs from the baseline there is flaky and never blamed. For the others, the suspects are the
   converted functions they ran and those whose call sites were edited in functions they
   ran; `bisect.find_culprits` finds which conversions to take back, running only the
   changed tests. Each candidate tree is planned from the original texts with the culprits
   excluded (callers planned consistently), never by editing an edited tree.
4. With the culprits excluded, the whole suite runs again; until it matches the baseline.
5. Each culprit becomes a verdict (verify/verdicts.py).

The tree on disk is always either the original or one complete, consistent conversion:
files are written together with Ctrl-C held back, and on Ctrl-C or any failure the original
texts, kept in memory, are written back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ..engine import FixRun, Project, fix_project, function_key, load_project
from ..fileio import write_atomic
from .bisect import Bisection, Budget, BudgetExhausted, find_culprits
from .outcomes import NOT_RUN, TestRecord, changed_tests, tree_digest, tree_sources
from .runner import SuiteRun, run_suite
from .verdicts import (
    Verdict,
    function_sha256,
    load_verdicts,
    locate_test,
    save_verdicts,
    valid_verdicts,
)

Status = Literal["verified", "restored", "unchanged"]
# Runs of the changed tests on the original tree that decide whether they are flaky.
FLAKY_RUNS = 2


class Progress(Protocol):
    """What the orchestration tells the display (the CLI's rich one, the editor's)."""

    def phase(self, name: str, detail: str = "") -> None: ...

    def runs(self, used: int, limit: int | None) -> None: ...


class _Quiet:
    def phase(self, name: str, detail: str = "") -> None:
        pass

    def runs(self, used: int, limit: int | None) -> None:
        pass


@dataclass
class Culprit:
    key: str
    test: str
    before: str
    after: str
    detail: str = ""


@dataclass
class VerifyResult:
    status: Status
    fix: FixRun | None = None  # the conversion left on disk (None: the original tree)
    converted: list[str] = field(default_factory=list)
    culprits: list[Culprit] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # taken back for lack of runs
    flaky: list[str] = field(default_factory=list)
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # left when restored
    full_runs: int = 0
    targeted_runs: int = 0
    baseline_reused: bool = False
    seconds: float = 0.0
    message: str = ""
    verdicts_file: str = ""
    # Where each taken-back function is in the tree left behind: key -> (path, line, col).
    positions: dict[str, tuple[str, int, int]] = field(default_factory=dict)


class VerifyError(Exception):
    """The verification cannot go on; the tree is as it was. The message says why."""


@contextmanager
def held_interrupts() -> Iterator[None]:
    """Ctrl-C waits until the block is done (files written together), then is raised."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


class TreeWriter:
    """Puts whole states of the tree on disk: the original texts or one conversion."""

    def __init__(self, project: Project, root: str) -> None:
        self.root = root
        self.encodings = {p: s.encoding for p, s in project.sources.items()}
        self.originals = {p: s.text for p, s in project.sources.items()}
        self.on_disk = dict(self.originals)
        self._mtimes: dict[str, int] = {}

    def texts_of(self, run: FixRun | None) -> dict[str, str]:
        texts = dict(self.originals)
        if run is not None:
            for outcome in run.outcomes:
                if outcome.error is None and outcome.result is not None:
                    texts[outcome.path] = outcome.result.source
        return texts

    def write(self, texts: Mapping[str, str]) -> None:
        with held_interrupts():
            written: list[str] = []
            try:
                for path in sorted(texts):
                    if self.on_disk.get(path) == texts[path]:
                        continue
                    write_atomic(path, texts[path], self.encodings.get(path, "utf-8"),
                                 root=self.root)
                    self.on_disk[path] = texts[path]
                    self._fresh_mtime(path)
                    written.append(path)
            except OSError:
                for path in written:  # back to the original for every file written
                    write_atomic(path, self.originals[path], self.encodings[path],
                                 root=self.root)
                    self.on_disk[path] = self.originals[path]
                    self._fresh_mtime(path)
                raise

    def restore(self) -> None:
        self.write(self.originals)

    def _fresh_mtime(self, path: str) -> None:
        """A new whole-second mtime per write: a cached .pyc (keyed by mtime and size) of
        an earlier text of the same size is never taken for this one."""
        now = int(time.time())
        mtime = max(now, self._mtimes.get(path, 0) + 1)
        self._mtimes[path] = mtime
        try:
            os.utime(path, (mtime, mtime))
        except OSError:
            pass


def _git_commit(root: str) -> str:
    try:
        done = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _enclosing_key(project: Project, path: str, line: int, col: int) -> str | None:
    facts = project.facts.get(path)
    if facts is None:
        return None
    best = None
    for fn in facts.functions:
        s = fn.span
        if (s.line, s.col) <= (line, col) <= (s.end_line, s.end_col):
            if best is None or (s.line, s.col) > (best.span.line, best.span.col):
                best = fn
    return function_key(facts.module, best.qualname) if best is not None else None


def suspects_for(project: Project, run: FixRun, tests: Sequence[str],
                 executed: Mapping[str, set[str]]) -> list[str] | None:
    """Converted functions the tests ran, and those with a call site edited in a function
    they ran; None when some test's functions are not known (then every conversion is)."""
    ran: set[str] = set()
    for test in tests:
        if test not in executed:
            return None
        ran |= executed[test]
    found: set[str] = set()
    for key, decision in run.analysis.decisions.items():
        if not decision.changes:
            continue
        if key in ran:
            found.add(key)
            continue
        for facts, wrap in decision.wraps:
            enclosing = _enclosing_key(project, facts.path, wrap.span.line, wrap.span.col)
            if enclosing in ran:
                found.add(key)
                break
    return _ordered(run, found)


def _ordered(run: FixRun, keys: set[str]) -> list[str]:
    decisions = run.analysis.decisions
    return sorted(keys, key=lambda k: (decisions[k].facts.path, decisions[k].fn.name_span.line,
                                       k) if k in decisions else ("", 0, k))


def converted_keys(run: FixRun) -> list[str]:
    left = {item.key for item in run.left_out}
    return _ordered(run, {k for k, d in run.analysis.decisions.items()
                          if d.changes and k not in left})


@dataclass
class Verifier:
    project: Project
    command: list[str]
    max_runs: int | None = None
    jobs: int = 1
    only: set[str] | None = None
    reuse_baseline: bool = True
    log: str | None = None
    progress: Progress = field(default_factory=_Quiet)
    cwd: str | None = None  # where the test command runs (default: the current directory)

    def __post_init__(self) -> None:
        self.root = os.path.abspath(self.project.config.root)
        self.budget = Budget(self.max_runs)
        self.writer = TreeWriter(self.project, self.root)
        # Each file's last plan and rewrite: candidate trees differ in a few files.
        self.rewrites: dict[str, Any] = {}
        self.result = VerifyResult("unchanged")
        self.started = time.monotonic()

    # -- running ---------------------------------------------------------------------------
    def _take(self) -> None:
        if not self.budget.take():
            raise BudgetExhausted([], [])
        self.progress.runs(self.budget.used, self.max_runs)

    def _suite(self, phase: str, **kw: object) -> SuiteRun:
        self._take()
        self.progress.phase(phase)
        run = run_suite(self.command, self.root, log=self.log, cwd=self.cwd,
                        **kw)  # type: ignore[arg-type]
        if kw.get("only") is None:
            self.result.full_runs += 1
        else:
            self.result.targeted_runs += 1
        return run

    def _convert(self, exclude: set[str]) -> FixRun:
        return fix_project(self.project, only=self.only, jobs=self.jobs, exclude=exclude,
                           rewrites=self.rewrites)

    # -- the steps ------------------------------------------------------------------------
    def baseline(self) -> TestRecord:
        tree = tree_digest(tree_sources(self.root), self.root)
        record = TestRecord.load(self.root) if self.reuse_baseline else None
        if (record is not None and record.tree == tree and record.command == self.command
                and record.outcomes and record.executed):
            self.result.baseline_reused = True
            self.progress.phase("baseline", "reusing the probe's run of this tree")
            return record
        run = self._suite("baseline", evidence=True)
        if not run.outcomes:
            raise VerifyError(f"the test command reported no tests (exit status "
                              f"{run.exit_code}){self._see_log()}")
        record = TestRecord(list(self.command), tree, run.exit_code, run.outcomes, run.details,
                            run.executed)
        record.save(self.root)
        return record

    def _see_log(self) -> str:
        return f"; its output is in {self.log}" if self.log else ""

    def run(self) -> VerifyResult:
        try:
            return self._run()
        except BaseException:
            self.writer.restore()
            raise
        finally:
            self.result.seconds = time.monotonic() - self.started

    def _run(self) -> VerifyResult:
        result = self.result
        record = self.baseline()
        baseline = record.outcomes
        self.progress.phase("convert")
        exclude: set[str] = set()
        fix = self._convert(exclude)
        texts = self.writer.texts_of(fix)
        if texts == self.writer.originals:
            result.fix = fix
            result.message = "nothing to convert"
            return result
        self.writer.write(texts)
        try:
            suite = self._suite("suite")
        except BudgetExhausted:
            return self._give_up("--max-runs leaves no run to test the conversion", {})
        flaky: set[str] = set()
        checked: set[str] = set()
        culprits: list[Culprit] = []
        changed = self._changed(baseline, suite.outcomes, flaky)
        while changed:
            fresh = sorted(set(changed) - checked)
            if fresh and (self.budget.left is None or self.budget.left > FLAKY_RUNS + 1):
                # Run on the original tree again: a test whose outcome differs from the
                # baseline there is flaky, and never blamed. Twice, so that a test which
                # fails every other run is caught too.
                self.writer.restore()
                checked |= set(fresh)
                for _ in range(FLAKY_RUNS):
                    again = self._suite("flaky check", only=fresh)
                    flaky |= {t for t in fresh
                              if again.outcomes.get(t, NOT_RUN) != baseline.get(t, NOT_RUN)}
                    fresh = [t for t in fresh if t not in flaky]
                    if not fresh:
                        break
                changed = {t: v for t, v in changed.items() if t not in flaky}
                self.writer.write(self.writer.texts_of(fix))
                if not changed:
                    break
            tests = sorted(changed)
            found, unresolved = self._bisect(fix, tests, baseline, record, flaky, exclude)
            if found is None:
                return self._give_up(
                    "taking back every conversion does not restore the outcome of "
                    f"{len(tests)} tests (e.g. {tests[0]}: {changed[tests[0]][0]} -> "
                    f"{changed[tests[0]][1]})", changed)
            for key in found:
                culprits.append(self._blame(key, tests, changed, record, suite.details))
            result.unresolved += unresolved
            exclude |= set(found) | set(unresolved)
            self.progress.phase("convert", f"{len(exclude)} taken back")
            fix = self._convert(exclude)
            self.writer.write(self.writer.texts_of(fix))
            try:
                suite = self._suite("confirm")
            except BudgetExhausted:
                return self._give_up("--max-runs leaves no run to confirm the result",
                                     changed)
            changed = self._changed(baseline, suite.outcomes, flaky)
        result.status = "verified"
        result.fix = fix
        result.converted = converted_keys(fix)
        result.culprits = culprits
        result.flaky = sorted(flaky)
        if culprits:
            result.verdicts_file = self._record_verdicts(culprits)
        return result

    def _changed(self, baseline: Mapping[str, str], after: Mapping[str, str],
                 flaky: set[str], tests: Sequence[str] | None = None
                 ) -> dict[str, tuple[str, str]]:
        return {t: v for t, v in changed_tests(baseline, after, tests).items()
                if t not in flaky}

    def _bisect(self, fix: FixRun, tests: list[str], baseline: Mapping[str, str],
                record: TestRecord, flaky: set[str], exclude: set[str]
                ) -> tuple[list[str] | None, list[str]]:
        everything = converted_keys(fix)
        suspects = suspects_for(self.project, fix, tests, record.executed)

        def passes(reverted: frozenset[str]) -> bool:
            self.progress.phase("bisect", f"taking back {len(reverted)} of {len(everything)} "
                                          f"conversions, running {len(tests)} changed tests")
            run = self._convert(exclude | set(reverted))
            self.writer.write(self.writer.texts_of(run))
            self.progress.runs(self.budget.used + sub.used, self.max_runs)
            outcome = run_suite(self.command, self.root, log=self.log, only=tests,
                                cwd=self.cwd)
            self.result.targeted_runs += 1
            return not self._changed(baseline, outcome.outcomes, flaky, tests)

        # One run stays for the confirmation of the whole suite.
        sub = Budget(None if self.budget.left is None else max(0, self.budget.left - 1))
        bisection = Bisection(passes, sub)
        try:
            found = None
            if suspects:
                found = find_culprits(suspects, bisection)
            if found is None and suspects != everything:
                found = find_culprits(everything, bisection)
            return found, []
        except BudgetExhausted as exhausted:
            return exhausted.found, exhausted.unresolved
        finally:
            self.budget.used += sub.used
            if self.budget.left is not None:
                self.budget.left -= sub.used

    def _blame(self, key: str, tests: list[str], changed: Mapping[str, tuple[str, str]],
               record: TestRecord, details: Mapping[str, str]) -> Culprit:
        ran = [t for t in tests if key in record.executed.get(t, set())]
        test = (ran or tests)[0]
        before, after = changed[test]
        return Culprit(key, test, before, after, details.get(test, ""))

    def _give_up(self, why: str, changed: Mapping[str, tuple[str, str]]) -> VerifyResult:
        self.writer.restore()
        self.result.status = "restored"
        self.result.fix = None
        self.result.changed = dict(changed)
        self.result.message = why + "; the tree is as it was"
        return self.result

    def _record_verdicts(self, culprits: list[Culprit]) -> str:
        """Verdicts hash the function and the test as they stand in the tree now written, so
        the next run sees them unchanged."""
        final = load_project(sorted(self.writer.on_disk), self.project.config)
        sources = {p: s.text for p, s in final.sources.items()}
        existing = load_verdicts(self.root)
        held = valid_verdicts(existing, final.facts, final.workspace.functions, sources,
                              self.root)
        keep = [v for v in existing if held.get(v.function) is v]
        date = time.strftime("%Y-%m-%d", time.gmtime())
        commit = _git_commit(self.root)
        new = []
        for culprit in culprits:
            found = final.workspace.functions.get(culprit.key)
            if found is None:
                continue
            facts, fn = found
            self.result.positions[culprit.key] = (facts.path, fn.name_span.line,
                                                  fn.name_span.col + 1)
            test = locate_test(culprit.test, final.facts, self.root)
            test_sha = ""
            if test is not None:
                test_sha = function_sha256(sources[test[0].path], test[1])
            new.append(Verdict(culprit.key, function_sha256(sources[facts.path], fn),
                               culprit.test, test_sha, culprit.before, culprit.after,
                               culprit.detail, date, commit, list(self.command)))
        return save_verdicts(self.root, keep + new)


def verify_fix(project: Project, command: Sequence[str], *, max_runs: int | None = None,
               jobs: int = 1, only: set[str] | None = None, reuse_baseline: bool = True,
               log: str | None = None, progress: Progress | None = None,
               cwd: str | None = None) -> VerifyResult:
    """Convert the project and keep exactly the conversions its tests do not disprove."""
    verifier = Verifier(project, list(command), max_runs, jobs, only, reuse_baseline, log,
                        progress or _Quiet(), cwd)
    return verifier.run()
