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
from . import _runtime
from .merge import merge, read_fragments

RUNTIME_MODULE = "_txasync_probe_runtime"

SITECUSTOMIZE = '''\
"""Installed by `txasync probe` for one test run; removed when it ends."""


def _txasync_probe_boot():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    try:
        import {runtime}

        {runtime}.install()
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


def prepare(work: str, root: str) -> dict[str, str]:
    """Write the probe into `work`; return the environment changes that activate it."""
    site = os.path.join(work, "site")
    fragments = os.path.join(work, "fragments")
    os.makedirs(site)
    os.makedirs(fragments)
    shutil.copyfile(_runtime.__file__, os.path.join(site, RUNTIME_MODULE + ".py"))
    with open(os.path.join(site, "sitecustomize.py"), "w", encoding="utf-8") as handle:
        handle.write(SITECUSTOMIZE.format(runtime=RUNTIME_MODULE))
    # Every process of the run loads both files: compiled once here, not in each process
    # (children often run with PYTHONDONTWRITEBYTECODE; other Python versions just recompile).
    for name in ("sitecustomize.py", RUNTIME_MODULE + ".py"):
        try:
            py_compile.compile(os.path.join(site, name), doraise=True)
        except (py_compile.PyCompileError, OSError):
            pass
    old = os.environ.get("PYTHONPATH")
    return {
        "PYTHONPATH": site + (os.pathsep + old if old else ""),
        _runtime.ENV_DIR: fragments,
        _runtime.ENV_ROOT: os.path.abspath(root),
    }


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
        code = _run(command, env)
        fragments_dir = os.path.join(work, "fragments")
        fragments, warnings = read_fragments(fragments_dir)
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
