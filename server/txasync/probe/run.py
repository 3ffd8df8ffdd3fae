"""Running the project's test command with the probe in every Python process it starts.

The probe travels by environment: a temporary directory holding `sitecustomize.py` and the
runtime goes first on PYTHONPATH, so trial, pytest and the workers of `trial -j` and
pytest-xdist (which inherit the environment) all load it, whatever interpreter or venv they
use. The `sitecustomize.py` then loads the one it hides, if any, so the project's own startup
code still runs. Nothing is written into the project except the evidence file.
"""

from __future__ import annotations

import json
import os
import py_compile
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..analysis.evidence import evidence_path
from ..verify import _runtime as _verify_runtime
from ..verify.outcomes import (
    TestRecord,
    executed_by_test,
    read_outcomes,
    tree_digest,
    tree_sources,
)
from . import _runtime
from .merge import merge, read_fragments

RUNTIME_MODULE = "_txasync_probe_runtime"
VERIFY_MODULE = _verify_runtime.MODULE
PYTEST_PLUGIN = "_txasync_verify_pytest"

SITECUSTOMIZE = '''\
"""Installed by `txasync probe` for one test run; removed when it ends."""


def _txasync_probe_boot():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    for name in {runtimes!r}:
        try:
            __import__(name).install()
        except Exception as exc:  # the tests must run even if the probe cannot
            sys.stderr.write("txasync probe: not recording in this process: %r\\n" % (exc,))
    # Load the sitecustomize this file hides, as if it had been found first.
    import importlib.machinery
    import importlib.util

    path = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        sys.modules["sitecustomize"] = module
        spec.loader.exec_module(module)


_txasync_probe_boot()
del _txasync_probe_boot
'''


@dataclass
class ProbeRun:
    exit_code: int
    evidence: dict[str, Any] | None = None
    out: str = ""
    warnings: list[str] = field(default_factory=list)


def prepare(work: str, root: str, evidence: bool = True, only: str | None = None
            ) -> dict[str, str]:
    """Write the probe into `work`; return the environment changes that activate it.

    Besides the evidence (`evidence=False` leaves it out), every test's outcome is recorded
    in `work/outcomes` (verify/_runtime.py); `only` names a file of test ids to run alone.
    """
    site = os.path.join(work, "site")
    fragments = os.path.join(work, "fragments")
    outcomes = os.path.join(work, "outcomes")
    os.makedirs(site)
    os.makedirs(fragments)
    os.makedirs(outcomes)
    shutil.copyfile(_runtime.__file__, os.path.join(site, RUNTIME_MODULE + ".py"))
    shutil.copyfile(_verify_runtime.__file__, os.path.join(site, VERIFY_MODULE + ".py"))
    shutil.copyfile(os.path.join(os.path.dirname(_verify_runtime.__file__), "_pytest_plugin.py"),
                    os.path.join(site, PYTEST_PLUGIN + ".py"))
    with open(os.path.join(site, "sitecustomize.py"), "w", encoding="utf-8") as handle:
        handle.write(SITECUSTOMIZE.format(runtimes=(VERIFY_MODULE, RUNTIME_MODULE)))
    # Every process of the run loads these files: compiled once here, not in each process
    # (children often run with PYTHONDONTWRITEBYTECODE; other Python versions just recompile).
    for name in ("sitecustomize.py", RUNTIME_MODULE + ".py", VERIFY_MODULE + ".py"):
        try:
            py_compile.compile(os.path.join(site, name), doraise=True)
        except (py_compile.PyCompileError, OSError):
            pass
    old = os.environ.get("PYTHONPATH")
    plugins = os.environ.get("PYTEST_PLUGINS")
    env = {
        "PYTHONPATH": site + (os.pathsep + old if old else ""),
        # pytest (and xdist's workers) load the outcome recorder as a plugin.
        "PYTEST_PLUGINS": PYTEST_PLUGIN + ("," + plugins if plugins else ""),
        _verify_runtime.ENV_DIR: outcomes,
        _runtime.ENV_ROOT: os.path.abspath(root),
    }
    if evidence:
        env[_runtime.ENV_DIR] = fragments
    if only is not None:
        env[_verify_runtime.ENV_ONLY] = only
    return env


def _run(command: Sequence[str], env: dict[str, str]) -> int:
    """The command's exit status, shell style (127 not found, 128+N killed by signal N)."""
    try:
        proc = subprocess.Popen(list(command), env=env)
    except FileNotFoundError:
        print(f"txasync probe: command not found: {command[0]}", file=sys.stderr)
        return 127
    except PermissionError:
        print(f"txasync probe: cannot execute: {command[0]}", file=sys.stderr)
        return 126
    while True:
        try:
            code = proc.wait()
            break
        except KeyboardInterrupt:
            # The child got the same SIGINT from the terminal; let it finish writing.
            try:
                proc.send_signal(signal.SIGINT)
            except OSError:
                pass
    return 128 - code if code < 0 else code


def _record_tests(work: str, root: str, command: Sequence[str], code: int,
                  fragments: list[dict[str, Any]], tree: str) -> None:
    """Each test's outcome and functions, for `txasync fix --verify` to start from."""
    outcomes, details = read_outcomes(os.path.join(work, "outcomes"))
    if not outcomes:
        return
    try:
        TestRecord(list(command), tree, code, outcomes, details,
                   executed_by_test(fragments, root)).save(root)
    except OSError as exc:
        print(f"txasync probe: warning: test outcomes not recorded: {exc}", file=sys.stderr)


def probe(command: Sequence[str], root: str = ".", out: str | None = None,
          jobs: int | None = None, keep: str | None = None) -> ProbeRun:
    """Run `command` under the probe and write the merged evidence to `out`.

    `keep` names a directory to keep the raw per-process fragments in (for debugging).
    """
    root = os.path.abspath(root)
    out = os.path.abspath(out) if out else evidence_path(root)
    work = tempfile.mkdtemp(prefix="txasync-probe-")
    try:
        env = dict(os.environ)
        env.update(prepare(work, root))
        tree = tree_digest(tree_sources(root), root)
        code = _run(command, env)
        fragments_dir = os.path.join(work, "fragments")
        fragments, warnings = read_fragments(fragments_dir)
        _record_tests(work, root, command, code, fragments, tree)
        if keep:
            shutil.copytree(fragments_dir, keep, dirs_exist_ok=True)
        try:
            evidence = merge(fragments, root, command, code, warnings, jobs=jobs)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            tmp = out + ".tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(evidence, handle, indent=1)
                handle.write("\n")
            os.replace(tmp, out)
        except Exception as exc:  # the test run's status matters more than the evidence
            print(f"txasync probe: error: no evidence written: {type(exc).__name__}: {exc}",
                  file=sys.stderr)
            return ProbeRun(code, None, out, warnings)
        return ProbeRun(code, evidence, out, list(evidence["warnings"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
