"""What `txasync fix --verify` costs on a real project with a planted breaker.

Uses `realworld.py`'s machinery (the pinned sdist, unpacked afresh; a venv with the project,
its pinned dependencies and this txasync) for one project of `realworld.toml` (klein by
default), then plants a conversion only a test can show to be wrong: a small class appended
to one of the project's modules, whose `describe` yields `self.fetch(...)`, and a test
appended to one of its test modules that installs a plain double for `fetch` with `setattr`
under a computed name. Static analysis converts `describe`; the test then fails.

Measured:

- one plain run of the suite (the unit of cost);
- `txasync fix --verify -- <the suite's command>` from scratch (no probe run to reuse):
  full-suite runs (goal <= 3), runs of the changed tests only, wall time as a ratio to the
  plain run (goal <= 4x), and whether exactly the planted function was taken back.

    python benchmarks/verify_bench.py --cache-dir /tmp/rwcache-i17 [-p klein] [--json OUT]
        [--with-probe]    # `txasync probe` first: `fix --verify` reuses its baseline
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import realworld as rw  # noqa: E402

PLANTED_CODE = '''

class PlantedLookup:
    """Planted by benchmarks/verify_bench.py: a test replaces `fetch` with a plain double."""

    @inlineCallbacks
    def fetch(self, key):
        yield succeed(None)
        return key

    @inlineCallbacks
    def describe(self, key):
        value = yield self.fetch(key)
        return {{"value": value}}
'''

PLANTED_TEST = '''

class PlantedDoubleTests(_PlantedTestCase):
    """Planted by benchmarks/verify_bench.py."""

    def test_planted_double(self):
        from {module} import PlantedLookup

        lookup = PlantedLookup()
        kind = "fetch"
        setattr(lookup, kind, lambda key: key)
        self.assertEqual(self.successResultOf(lookup.describe(1)), {{"value": 1}})
'''

# Where to plant, per project: (module file, its dotted name, test module file).
PLANTS = {
    "klein": ("src/klein/_session.py", "klein._session", "src/klein/test/test_session.py"),
    "treq": ("src/treq/content.py", "treq.content", "src/treq/test/test_content.py"),
}
SUITE_RE = re.compile(r"(\d+) full suite runs?(?: \(baseline from `txasync probe`\))?, "
                      r"(\d+) of changed tests only, ([\d.]+)s")


def plant(tree: Path, slug: str) -> str:
    module_file, module, test_file = PLANTS[slug]
    source = tree / module_file
    text = source.read_text()
    header = "\nfrom twisted.internet.defer import inlineCallbacks, succeed\n"
    source.write_text(text + header + PLANTED_CODE.format())
    tests = tree / test_file
    tests.write_text(tests.read_text()
                     + "\nfrom twisted.trial.unittest import SynchronousTestCase as "
                       "_PlantedTestCase\n" + PLANTED_TEST.format(module=module))
    return f"{module}:PlantedLookup.describe"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-p", "--project", default="klein", choices=sorted(PLANTS))
    parser.add_argument("--cache-dir", type=Path, default=rw.DEFAULT_CACHE)
    parser.add_argument("--config", type=Path, default=rw.DEFAULT_CONFIG)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--with-probe", action="store_true",
                        help="run `txasync probe` first (the recommended flow), so that "
                             "`fix --verify` reuses its baseline; its time is reported apart")
    args = parser.parse_args(argv)
    projects = rw.load_config(args.config)
    project = projects[args.project]
    cache = args.cache_dir.expanduser().resolve()
    base = cache / "verify" / project.slug
    logs = base / "logs"
    if logs.exists():
        shutil.rmtree(logs)
    logs.mkdir(parents=True)
    tree, orig, venv = base / "tree", base / "orig", base / "venv"
    python = rw.ensure_venv(project, venv, tree, rw.REPO, False, logs)
    archive = rw.download_sdist(project, python, cache, logs)
    rw.unpack(archive, orig)
    if tree.exists():
        shutil.rmtree(tree)
    shutil.copytree(orig, tree, symlinks=True)
    rw.install_project(python, tree, logs)
    env = rw.project_env(project, venv, tree)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the same for both measurements
    planted = plant(tree, project.name)
    command = rw.trial_argv(project, python)
    rw.say(f"{project.slug}: planted {planted}; one plain suite run ({' '.join(command[1:])})")
    plain = rw.run(command, cwd=tree, env=env, timeout=project.timeout,
                   log=logs / "plain.log")
    shutil.rmtree(tree / "_trial_temp", ignore_errors=True)
    rw.say(f"{project.slug}: plain run {plain.seconds:.1f}s (exit {plain.returncode}); "
           "txasync fix --verify")
    probe_seconds = None
    if args.with_probe:
        probe = rw.run([str(python), "-m", "txasync", "probe", "--", *command], cwd=tree,
                       env=env, timeout=project.timeout, log=logs / "probe.log")
        probe_seconds = round(probe.seconds, 1)
        rw.say(f"{project.slug}: probe run {probe_seconds}s (exit {probe.returncode})")
    start = time.monotonic()
    verify = rw.run([str(python), "-m", "txasync", "fix", "--verify", ".", "--", *command],
                    cwd=tree, env=env, timeout=project.timeout * 10, log=logs / "verify.log")
    wall = time.monotonic() - start
    found = SUITE_RE.search(verify.stderr)
    verdicts_file = tree / ".txasync" / "verdicts.json"
    verdicts = (json.loads(verdicts_file.read_text())["verdicts"]
                if verdicts_file.exists() else [])
    taken_back = sorted({v["function"] for v in verdicts})
    figures = {
        "project": project.slug,
        "command": command[1:],
        "planted": planted,
        "plain_suite_seconds": round(plain.seconds, 1),
        "plain_exit": plain.returncode,
        "verify_exit": verify.returncode,
        "verified": "verified: every test has its baseline outcome" in verify.stderr,
        "full_suite_runs": int(found.group(1)) if found else None,
        "changed_test_runs": int(found.group(2)) if found else None,
        "probe_seconds": probe_seconds,
        "baseline_reused": "baseline from `txasync probe`" in verify.stderr,
        "verify_seconds": round(wall, 1),
        "ratio_to_plain_run": round(wall / plain.seconds, 2) if plain.seconds else None,
        "taken_back": taken_back,
        "exactly_the_planted": taken_back == [planted],
    }
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    goals = (figures["verified"] and figures["exactly_the_planted"]
             and (figures["full_suite_runs"] or 99) <= 3
             and (figures["ratio_to_plain_run"] or 99) <= 4)
    return 0 if goals else 1


if __name__ == "__main__":
    sys.exit(main())
