"""Running the project's test command once, with the probe's injection, for its outcomes.

The same injection as `txasync probe` (probe/run.py): a `sitecustomize.py` first on
PYTHONPATH loads the runtimes in every process of the run (trial, `trial -j` workers,
pytest, xdist workers). With `evidence=True` the run is also a probe run: the evidence file
is written and each test's functions are known. `only` runs just those tests (the command
still collects everything, so selection works for any runner the runtime knows).

The command's output goes to a log file, not the terminal; Ctrl-C is passed on to the
command, which is waited for, and then raised here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..analysis.evidence import evidence_path
from ..probe import _runtime as probe_runtime
from ..probe.merge import merge, read_fragments
from ..probe.run import prepare
from . import _runtime as verify_runtime
from .outcomes import executed_by_test, read_outcomes


class CommandNotFound(Exception):
    """The test command could not be started; the message says why."""


@dataclass
class SuiteRun:
    exit_code: int
    outcomes: dict[str, str]
    details: dict[str, str] = field(default_factory=dict)
    executed: dict[str, set[str]] = field(default_factory=dict)
    evidence: dict[str, Any] | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _wait(command: Sequence[str], env: dict[str, str], cwd: str | None, log: str | None
          ) -> int:
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    try:
        try:
            proc = subprocess.Popen(list(command), env=env, cwd=cwd, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            raise CommandNotFound(f"command not found: {command[0]}") from None
        except PermissionError:
            raise CommandNotFound(f"cannot execute: {command[0]}") from None
        interrupted = False
        while True:
            try:
                code = proc.wait()
                break
            except KeyboardInterrupt:
                # The command got the terminal's SIGINT too; let it finish, then stop here.
                interrupted = True
                try:
                    proc.send_signal(signal.SIGINT)
                except OSError:
                    pass
        if interrupted:
            raise KeyboardInterrupt
        return 128 - code if code < 0 else code
    finally:
        if log:
            out.close()  # type: ignore[union-attr]


def run_suite(command: Sequence[str], root: str, *, evidence: bool = False,
              only: Collection[str] | None = None, log: str | None = None,
              cwd: str | None = None) -> SuiteRun:
    """Run the test command once; with `evidence`, also write the probe's evidence file."""
    root = os.path.abspath(root)
    work = tempfile.mkdtemp(prefix="txasync-verify-")
    started = time.monotonic()
    try:
        only_file = None
        if only is not None:
            only_file = os.path.join(work, "only.txt")
            with open(only_file, "w", encoding="utf-8") as handle:
                handle.writelines(f"{test}\n" for test in sorted(only))
        env = dict(os.environ)
        for name in (probe_runtime.ENV_DIR, verify_runtime.ENV_ONLY):
            env.pop(name, None)
        env.update(prepare(work, root, evidence=evidence, only=only_file))
        if log:
            os.makedirs(os.path.dirname(os.path.abspath(log)), exist_ok=True)
            with open(log, "ab") as handle:
                handle.write(f"$ {' '.join(command)}\n".encode())
        code = _wait(command, env, cwd, log)
        outcomes, details = read_outcomes(os.path.join(work, "outcomes"))
        run = SuiteRun(code, outcomes, details, seconds=time.monotonic() - started)
        if evidence:
            fragments, warnings = read_fragments(os.path.join(work, "fragments"))
            run.executed = executed_by_test(fragments, root)
            run.evidence = merge(fragments, root, command, code, warnings)
            out = evidence_path(root)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out + ".tmp", "w", encoding="utf-8") as handle:
                json.dump(run.evidence, handle, indent=1)
                handle.write("\n")
            os.replace(out + ".tmp", out)
            run.warnings = list(run.evidence.get("warnings", []))
        run.seconds = time.monotonic() - started
        return run
    finally:
        shutil.rmtree(work, ignore_errors=True)
