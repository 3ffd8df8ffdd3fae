"""What `txasync probe` costs: each test suite with and without the probe, in the same run.

Suites (each run in a fresh temporary copy, so nothing is written into the sources):

- `fixture/trial`, `fixture/pytest-n2`: tests/fixtures/probe_app under trial and under pytest
  with two xdist workers (start-up dominates: the floor a small project pays);
- `ic-loop`: one process running 20,000 inlineCallbacks calls of five yields each, timed
  inside the process (the worst case: nothing but inlineCallbacks machinery);
- `buildbot-worker/trial` with `--tree DIR`: buildbot-worker's own trial suite (pass its
  pristine unpacked sdist; the interpreter is `--tree-python`, by default the `venv` next to
  the tree as `benchmarks/realworld.py` leaves it, else this Python).

Runs alternate (plain, probed, plain, ...) so drift hits both sides; the table shows the
median wall time of the whole command (for the probe: including the static analysis and the
merge afterwards), the median time the suite reports for its own tests, and the ratios.

    python benchmarks/probe_bench.py
    python benchmarks/probe_bench.py --repeat 5 \\
        --tree ~/.cache/txasync-realworld/work/buildbot-worker-3.11.9/orig
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parent / "tests" / "fixtures" / "probe_app"

IC_LOOP = '''\
import time
from twisted.internet import defer

CACHE = {"k": 1}


@defer.inlineCallbacks
def step(i):
    a = yield defer.succeed(i)
    b = yield CACHE.get("k")
    c = yield defer.succeed(a + b)
    yield None
    d = yield defer.succeed(c)
    return d


def main():
    start = time.process_time()  # CPU time: steadier than wall time on a busy machine
    for i in range(20000):
        step(i)
    print("elapsed %.6f" % (time.process_time() - start))


main()
'''


@dataclass
class Suite:
    name: str
    python: str
    source: Path | None  # copied fresh for each run
    args: list[str]
    files: dict[str, str] = field(default_factory=dict)  # generated files instead of a copy


@dataclass
class Sample:
    wall: float
    inner: float | None
    code: int


def _inner_time(output: str) -> float | None:
    """The time the suite reports for its own tests (trial, pytest, or the loop script)."""
    for pattern in (r"^Ran \d+ tests? in ([0-9.]+)s", r"\bin ([0-9.]+)s\b",
                    r"^elapsed ([0-9.]+)"):
        found = re.findall(pattern, output, re.M)
        if found:
            return float(found[-1])
    return None


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k != "PYTHONPATH" and not k.startswith("TXASYNC_PROBE")}


def _once(suite: Suite, probe: bool) -> Sample:
    with tempfile.TemporaryDirectory(prefix="probe-bench-") as tmp:
        work = Path(tmp) / "project"
        if suite.source is not None:
            shutil.copytree(suite.source, work, ignore=shutil.ignore_patterns(
                "_trial_temp*", "__pycache__", ".txasync", ".pytest_cache"))
        else:
            work.mkdir()
        for name, text in suite.files.items():
            (work / name).write_text(text)
        command = [suite.python, *suite.args]
        if probe:
            command = [sys.executable, "-m", "txasync.probe", "--out",
                       str(Path(tmp) / "evidence.json"), "--", *command]
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=work, capture_output=True, text=True, env=_env())
        wall = time.perf_counter() - start
        output = proc.stdout + proc.stderr
        if probe and proc.returncode == 0:
            evidence = json.loads((Path(tmp) / "evidence.json").read_text())
            if evidence["warnings"]:
                print(f"  {suite.name}: probe warnings: {evidence['warnings'][:3]}",
                      file=sys.stderr)
        return Sample(wall, _inner_time(output), proc.returncode)


def measure(suite: Suite, repeat: int) -> dict[str, Any]:
    plain: list[Sample] = []
    probed: list[Sample] = []
    for _ in range(repeat):
        plain.append(_once(suite, probe=False))
        probed.append(_once(suite, probe=True))
    codes = {s.code for s in plain} | {s.code for s in probed}

    def med(samples: list[Sample], attr: str) -> float | None:
        values = [getattr(s, attr) for s in samples if getattr(s, attr) is not None]
        return statistics.median(values) if values else None

    result: dict[str, Any] = {"suite": suite.name, "repeat": repeat, "exit_codes": sorted(codes)}
    for attr in ("wall", "inner"):
        a, b = med(plain, attr), med(probed, attr)
        result[f"{attr}_plain"] = a
        result[f"{attr}_probe"] = b
        result[f"{attr}_ratio"] = (b / a) if a and b else None
    return result


def _fmt(value: float | None, ratio: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" if ratio else f"{value:.2f}s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", type=Path, help="buildbot-worker 3.11.9's unpacked tree")
    parser.add_argument("--tree-python", help="the Python with buildbot-worker's dependencies")
    parser.add_argument("--only", help="run only suites whose name contains this")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    suites = [
        Suite("fixture/trial", sys.executable, FIXTURE, ["-m", "twisted.trial", "probe_app"]),
        Suite("fixture/pytest-n2", sys.executable, FIXTURE,
              ["-m", "pytest", "pytest_tests", "-n", "2", "-p", "no:cacheprovider", "-q"]),
        Suite("ic-loop", sys.executable, None, ["ic_loop.py"], {"ic_loop.py": IC_LOOP}),
    ]
    if args.tree is not None:
        tree = args.tree.expanduser().resolve()
        python = args.tree_python
        if python is None:
            candidate = tree.parent / "venv" / "bin" / "python"
            python = str(candidate) if candidate.exists() else sys.executable
        suites.append(Suite("buildbot-worker/trial", python, tree,
                            ["-m", "twisted.trial", "buildbot_worker"]))
    if args.only:
        suites = [s for s in suites if args.only in s.name]

    results = []
    print(f"{'suite':24} {'wall':>8} {'+probe':>8} {'ratio':>7}   {'tests':>8} {'+probe':>8} "
          f"{'ratio':>7}  exit")
    for suite in suites:
        r = measure(suite, args.repeat)
        results.append(r)
        print(f"{r['suite']:24} {_fmt(r['wall_plain']):>8} {_fmt(r['wall_probe']):>8} "
              f"{_fmt(r['wall_ratio'], True):>7}   {_fmt(r['inner_plain']):>8} "
              f"{_fmt(r['inner_probe']):>8} {_fmt(r['inner_ratio'], True):>7}  "
              f"{','.join(map(str, r['exit_codes']))}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
