"""`txasync fix --verify [-- <test command>]`: the command line over verify/orchestrate.py.

Progress (phase, elapsed time, test runs used) is drawn on stderr when it is a terminal,
else written one line per phase. The test command's own output goes to
`.txasync/verify.log`. Exit status: 0 when the tree left behind passes exactly as the
original did and nothing was taken back, 1 when conversions were taken back or the tree
was restored, 2 for usage errors, 130 on Ctrl-C (the tree is then as it was).
"""

from __future__ import annotations

import argparse
import os
import time

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from ..engine import Project
from ..errors import UsageError
from .orchestrate import VerifyError, VerifyResult, verify_fix
from .runner import CommandNotFound

LOG_FILE = "verify.log"


def _say(console: Console, text: str) -> None:
    """One message, never wrapped (`path:line:col: ...` lines must stay greppable)."""
    console.print(text, highlight=False, soft_wrap=True)


class RichProgress:
    """The phases as one live line: `suite   runs 2/10   0:00:14`."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal
        self.started = time.monotonic()
        self.used = 0
        self.limit: int | None = None
        self.name = ""
        self.detail = ""
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        if self.live:
            self.bar = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"),
                                TextColumn("{task.fields[detail]}"),
                                TextColumn("runs {task.fields[runs]}"), TimeElapsedColumn(),
                                console=self.console, transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task("starting", detail="", runs="0")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def _runs(self) -> str:
        return f"{self.used}/{self.limit}" if self.limit is not None else str(self.used)

    def phase(self, name: str, detail: str = "") -> None:
        changed = (name, detail) != (self.name, self.detail)
        self.name, self.detail = name, detail
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, description=name, detail=detail, runs=self._runs())
        elif changed:
            elapsed = time.monotonic() - self.started
            _say(self.console, f"txasync verify: {name}{': ' + detail if detail else ''} "
                               f"(runs {self._runs()}, {elapsed:.1f}s)")

    def runs(self, used: int, limit: int | None) -> None:
        self.used, self.limit = used, limit
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, runs=self._runs())


def test_command(args: argparse.Namespace, project: Project) -> list[str]:
    command = list(getattr(args, "test_command", None) or [])
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        command = list(project.config.test_command)
    if not command:
        raise UsageError("txasync: fix --verify needs the test command, after `--` (e.g. "
                         "`txasync fix --verify -- python -m twisted.trial mypkg`) or as "
                         "`test-command` in [tool.txasync]")
    return command


def _where(project: Project, key: str, result: VerifyResult | None = None) -> str:
    """`path:line:col: qualname`, where the function is in the tree left behind."""
    found = project.workspace.functions.get(key)
    if result is not None and key in result.positions and found is not None:
        path, line, col = result.positions[key]
        return f"{os.path.relpath(path)}:{line}:{col}: {found[1].qualname}"
    if found is None:
        return key
    facts, fn = found
    path = os.path.relpath(facts.path)
    return f"{path}:{fn.name_span.line}:{fn.name_span.col + 1}: {fn.qualname}"


def run(args: argparse.Namespace, project: Project, only: set[str] | None,
        err: Console) -> tuple[int, VerifyResult | None]:
    """Run the verification; (exit status, result). The caller prints the fix summary."""
    if args.diff or args.safe_only:
        raise UsageError("txasync: --verify writes the converted tree and runs the tests; "
                         "it cannot be combined with --diff or --safe-only")
    if args.max_runs is not None and args.max_runs < 1:
        raise UsageError("txasync: --max-runs must be at least 1")
    command = test_command(args, project)
    root = os.path.abspath(project.config.root)
    log = os.path.join(root, ".txasync", LOG_FILE)
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "w", encoding="utf-8"):
        pass
    try:
        with RichProgress(err) as progress:
            result = verify_fix(project, command, max_runs=args.max_runs, jobs=args.jobs,
                                only=only, log=log, progress=progress)
    except KeyboardInterrupt:
        _say(err, "txasync: interrupted; every file is as it was before `fix --verify`")
        return 130, None
    except CommandNotFound as exc:
        raise UsageError(f"txasync: {exc}") from None
    except VerifyError as exc:
        _say(err, f"txasync: {exc}; the tree is as it was")
        return 1, None
    runs = (f"{result.full_runs} full suite run{'s' if result.full_runs != 1 else ''}"
            f"{' (baseline from `txasync probe`)' if result.baseline_reused else ''}, "
            f"{result.targeted_runs} of changed tests only, {result.seconds:.1f}s; "
            f"test output in {os.path.relpath(log)}")
    if result.status == "restored":
        _say(err, f"[bold]not verified[/bold]: {result.message} ({runs})")
        for test, (before, after) in sorted(result.changed.items()):
            _say(err, f"  {test}: {before} -> {after}")
        return 1, result
    if result.status == "unchanged":
        _say(err, f"txasync verify: {result.message or 'nothing changed'} ({runs})")
        return 0, result
    _say(err, f"[bold]verified[/bold]: every test has its baseline outcome with "
              f"{len(result.converted)} functions converted ({runs})")
    if result.culprits:
        _say(err, f"[bold]{len(result.culprits)} conversions taken back[/bold] (they changed "
                  f"a test's outcome; recorded in {os.path.relpath(result.verdicts_file)}):")
        for culprit in result.culprits:
            detail = f" ({culprit.detail})" if culprit.detail else ""
            print(f"{_where(project, culprit.key, result)} taken back: {culprit.test}: "
                  f"{culprit.before} -> {culprit.after}{detail}", flush=True,
                  file=err.file)
    if result.unresolved:
        _say(err, f"{len(result.unresolved)} more left unconverted without a verdict "
                  "(--max-runs reached before they were told apart):")
        for key in result.unresolved:
            print(f"{_where(project, key)} left unconverted (not verified)", flush=True,
                  file=err.file)
    for test in result.flaky:
        print(f"flaky test (outcome differs between runs of the same tree), never blamed: "
              f"{test}", flush=True, file=err.file)
    status = 1 if result.culprits or result.unresolved else 0
    return status, result
