"""Prove txasync on real projects: convert each one and run its test suite before and after.

For every project in `realworld.toml` (or those named with --project):

1. `pip download --no-deps --no-binary :all: NAME==VERSION` into the cache (once);
2. unpack the sdist afresh into `<cache>/work/NAME-VERSION/tree` (a pristine copy stays in
   `orig/` to diff against);
3. a venv (`python3 -m venv`, kept between runs while the pins are unchanged) with the
   project installed editable from `tree/`, its pinned dependencies, and txasync installed
   editable from this repository, so `python -m txasync` in that venv sees that venv's Twisted;
4. `txasync check --format json` (IC functions, refusals and unknown yields before);
5. the test suite BEFORE (per-test outcomes kept: trial's bwverbose lines, or the JUnit XML
   report of a project whose runner is pytest);
6. `txasync fix` over the whole tree, with `--python <the project's venv python>` and no
   `--twisted-version`: txasync derives the version from what the project declares (else
   the venv's installed Twisted) and reads library classes from that venv; the change is
   kept as fix.diff (orig/ against tree/); then `txasync fix --diff` again, which must
   change nothing (fix twice = fix once);
7. every changed file byte-compiled; `txasync check` again (IC functions left after);
8. the test suite AFTER; every test whose outcome changed, with its traceback, re-run alone
   to tell a real change from a flaky one.

With --probe, step 5 runs the suite under `txasync probe` (its outcomes are the baseline; its
evidence lands in the tree), `fix` in step 6 reads that evidence, and a fix of a copy of the
unconverted tree without it gives the figures to compare: the `maybeDeferred` share with and
without evidence, and what the evidence said about each yield `check` found uncertain.

Results go to `benchmarks/realworld-results.json` and a table is printed. Exit status: 0 when
every project meets the done-when criteria (no test changes outcome, >= 85% of IC functions
converted, every refusal has a reason, nothing crashed), 1 otherwise, 2 on setup errors.

    python benchmarks/realworld.py                 # all projects
    python benchmarks/realworld.py -p treq         # one
    python benchmarks/realworld.py --cache-dir /tmp/rw --fresh-venv
    python benchmarks/realworld.py -p klein --probe   # with the evidence of its own tests

The cache directory defaults to ~/.cache/txasync-realworld (or $TXASYNC_REALWORLD_CACHE).
Only the standard library is needed to run it; `rich` makes the table nicer when present.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CONFIG = HERE / "realworld.toml"
DEFAULT_RESULTS = HERE / "realworld-results.json"
DEFAULT_CACHE = Path(os.environ.get("TXASYNC_REALWORLD_CACHE")
                     or Path.home() / ".cache" / "txasync-realworld")
MIN_CONVERTED_SHARE = 0.85
RERUNS = 1  # how often a test that changed outcome is re-run alone, after conversion


class SetupError(Exception):
    """Downloading, unpacking or installing failed: the project was not measured."""


# How a project's suite reports per-test outcomes: trial's bwverbose lines, or (pytest) a
# JUnit XML report the driver asks for, whose test names are pytest node ids.
RUNNERS = ("trial", "pytest")


# --------------------------------------------------------------------------------------------
# configuration


@dataclass
class ProjectConfig:
    name: str
    dist: str
    version: str
    package: str
    package_dir: str
    deps: list[str]
    test_command: list[str]
    trial_jobs: int
    timeout: int
    python: str
    expect_before: dict[str, int] = field(default_factory=dict)
    test_targets: list[str] = field(default_factory=list)
    txasync_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    runner: str = "trial"
    run_in_tree: bool = False
    build_isolation: bool = True
    archive: str | None = None
    install_dir: str = "."
    txasync_settings: dict[str, str] = field(default_factory=dict)

    @property
    def pip_build_args(self) -> list[str]:
        """pip's flags for building the sdist: an old release whose setup.py imports
        pkg_resources builds only with the setuptools pinned in `deps`, not with the newest
        one an isolated build environment fetches."""
        return [] if self.build_isolation else ["--no-build-isolation"]

    @property
    def slug(self) -> str:
        return f"{self.name}-{self.version}"


def load_config(path: Path) -> dict[str, ProjectConfig]:
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    defaults = data.get("defaults", {})
    projects: dict[str, ProjectConfig] = {}
    for name, table in data.get("projects", {}).items():
        merged = {**defaults, **table}
        projects[name] = ProjectConfig(
            name=name,
            dist=merged.get("dist", name),
            version=str(merged["version"]),
            package=merged["package"],
            package_dir=merged.get("package_dir", "."),
            deps=list(merged.get("deps", [])),
            test_command=list(merged["test_command"]),
            trial_jobs=int(merged.get("trial_jobs", 1)),
            timeout=int(merged.get("timeout", 1800)),
            python=merged.get("python", "python3"),
            expect_before=dict(merged.get("expect_before", {})),
            test_targets=list(merged.get("test_targets", [])),
            txasync_args=list(merged.get("txasync_args", [])),
            env={str(k): str(v) for k, v in merged.get("env", {}).items()},
            runner=str(merged.get("runner", "trial")),
            run_in_tree=bool(merged.get("run_in_tree", False)),
            build_isolation=bool(merged.get("build_isolation", True)),
            archive=str(merged["archive"]) if "archive" in merged else None,
            install_dir=str(merged.get("install_dir", ".")),
            txasync_settings={str(k): str(v)
                              for k, v in merged.get("txasync_settings", {}).items()},
        )
        if projects[name].runner not in RUNNERS:
            raise SetupError(f"{path}: project {name}: runner must be one of "
                             f"{', '.join(RUNNERS)}, not {projects[name].runner!r}")
    return projects


# --------------------------------------------------------------------------------------------
# running things


@dataclass
class Ran:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: int | None = None, log: Path | None = None, check: bool = False) -> Ran:
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout, errors="replace", stdin=subprocess.DEVNULL)
        ran = Ran(argv, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (
            exc.stdout or "")
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (
            exc.stderr or "")
        ran = Ran(argv, -9, out, err + f"\n[realworld] timed out after {timeout}s\n",
                  time.monotonic() - start)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"$ {' '.join(argv)}\n# cwd={cwd} rc={ran.returncode} "
                       f"{ran.seconds:.1f}s\n--- stdout\n{ran.stdout}\n--- stderr\n{ran.stderr}")
    if check and ran.returncode != 0:
        tail = (ran.stderr or ran.stdout)[-3000:]
        raise SetupError(f"command failed ({ran.returncode}): {' '.join(argv)}\n{tail}")
    return ran


def say(message: str) -> None:
    print(f"[realworld] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# download, unpack, venv


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(project: ProjectConfig, venv: Path, tree: Path, txasync_src: Path,
                fresh: bool, logs: Path) -> Path:
    """The project's venv, with the project (editable), its pins and txasync installed."""
    stamp_data = json.dumps({"deps": project.deps, "txasync": str(txasync_src),
                             "tree": str(tree), "python": project.python}, sort_keys=True)
    stamp = hashlib.sha256(stamp_data.encode()).hexdigest()
    stamp_file = venv / ".realworld-stamp"
    python = venv_python(venv)
    if fresh or not python.exists() or not stamp_file.exists() or (
            stamp_file.read_text().strip() != stamp):
        if venv.exists():
            shutil.rmtree(venv)
        base = shutil.which(project.python) or sys.executable
        say(f"{project.slug}: creating venv with {base}")
        run([base, "-m", "venv", str(venv)], log=logs / "venv.log", check=True)
        say(f"{project.slug}: installing {len(project.deps)} pinned dependencies and txasync")
        run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
             *project.deps, "-e", str(txasync_src)],
            log=logs / "pip-deps.log", check=True, timeout=3600)
        stamp_file.write_text(stamp)
    return python


def download_sdist(project: ProjectConfig, python: Path, cache: Path, logs: Path) -> Path:
    sdists = cache / "sdists"
    if project.archive is not None:
        # A project not on PyPI: a source archive made by hand (its config says how); a
        # relative path is one in the cache's sdists directory, beside the downloaded ones.
        archive = Path(project.archive).expanduser()
        if not archive.is_absolute():
            archive = sdists / archive
        if not archive.is_file():
            raise SetupError(f"{project.name}: no source archive at {archive} (the project's "
                             f"config says how to make it)")
        return archive
    sdists.mkdir(parents=True, exist_ok=True)
    normal = re.sub(r"[-_.]+", "[-_.]", project.dist.lower())
    pattern = re.compile(rf"^{normal}-{re.escape(project.version)}\.(tar\.gz|zip|tar\.bz2)$",
                         re.IGNORECASE)

    def found() -> Path | None:
        for entry in sorted(sdists.iterdir()):
            if pattern.match(entry.name):
                return entry
        return None

    existing = found()
    if existing is not None:
        return existing
    say(f"{project.slug}: downloading the sdist")
    run([str(python), "-m", "pip", "download", "--disable-pip-version-check", "--no-deps",
         *project.pip_build_args, "--no-binary", ":all:", "-d", str(sdists),
         f"{project.dist}=={project.version}"],
        log=logs / "pip-download.log", check=True, timeout=1800)
    existing = found()
    if existing is None:
        raise SetupError(f"pip download left no sdist for {project.dist}=={project.version} "
                         f"in {sdists}")
    return existing


def unpack(archive: Path, dest: Path) -> None:
    """Unpack an sdist so that `dest` is its top directory."""
    staging = dest.parent / (dest.name + ".unpacking")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(staging)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(staging, filter="data")
    entries = list(staging.iterdir())
    top = entries[0] if len(entries) == 1 and entries[0].is_dir() else staging
    if dest.exists():
        shutil.rmtree(dest)
    shutil.move(str(top), str(dest))
    if staging.exists():
        shutil.rmtree(staging)


def write_txasync_settings(tree: Path, settings: dict[str, str]) -> None:
    """Give the tree a `[tool.txasync]` table (e.g. `public-api = "convert"` for an
    application whose functions have no users outside it), appended to its pyproject.toml
    or in a new one: txasync reads its settings only from there. An existing table is an
    error, not merged: the project's own settings would be measured otherwise."""
    if not settings:
        return
    pyproject = tree / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    if re.search(r"^\[tool\.txasync\b", text, re.MULTILINE):
        raise SetupError(f"{pyproject} has its own [tool.txasync]: txasync_settings would "
                         f"be measured in place of it")
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())
    sep = "" if not text or text.endswith("\n") else "\n"
    pyproject.write_text(f"{text}{sep}\n[tool.txasync]\n{lines}", encoding="utf-8")


def install_project(python: Path, tree: Path, logs: Path,
                    build_args: Sequence[str] = ()) -> None:
    run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps",
         *build_args, "-e", str(tree)], log=logs / "pip-project.log", check=True, timeout=1800)


def check_import_location(project: ProjectConfig, python: Path, env: dict[str, str],
                          tree: Path) -> str:
    code = f"import {project.package} as m; print(m.__file__)"
    ran = run([str(python), "-c", code], env=env, cwd=tree.parent, check=True)
    location = ran.stdout.strip().splitlines()[-1]
    if not Path(location).resolve().is_relative_to(tree.resolve()):
        raise SetupError(f"{project.package} imports from {location}, not from {tree}")
    return location


def project_env(project: ProjectConfig, venv: Path, tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(key, None)
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join([str(venv_python(venv).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = str((tree / project.package_dir).resolve())
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["COLUMNS"] = "1000"  # rich output from txasync must not wrap
    env["NO_COLOR"] = "1"
    env.pop("TXASYNC_DEBUG", None)
    # "{tree}" in a value is the converted tree (its path depends on --cache-dir), e.g. a
    # PYTHONPATH that adds a directory to the tree's own.
    tree_path = str(tree.resolve())
    env.update({k: v.replace("{tree}", tree_path) for k, v in project.env.items()})
    return env


# --------------------------------------------------------------------------------------------
# txasync


# The interpreter that runs txasync (--txasync-python); None: the project's venv, where
# txasync is installed too. Either way every command gets `--python <the project's venv>`.
TXASYNC_PYTHON: Path | None = None


def txasync_argv(python: Path, command: str, *args: str, extra: Sequence[str] = ()
                 ) -> list[str]:
    """`txasync COMMAND --python <the project's venv python> EXTRA ARGS`. No
    --twisted-version by default: the version is derived from the project, and the
    derivation is part of what is measured; a project's `txasync_args` may set it where
    the declared minimum is far below what the project really runs on."""
    runner = TXASYNC_PYTHON or python
    return [str(runner), "-m", "txasync", command, "--python", str(python), *extra, *args]


# The codes `check` and `fix` select: every default one, TXA004 (one per uncertain yield)
# and the opt-in pass-through and callback-chain rules TXA005/TXA006 (`--select TXA,TXA004`
# measures without them).
SELECT = "TXA,TXA004,TXA005,TXA006"
SHAPE_RULES = ("TXA005", "TXA006")


def shape_counts(before: list[dict], after: list[dict]) -> dict[str, dict[str, int]]:
    """Per opt-in rule: functions it found before the fix, how many of those it could
    convert, and how many it converted (found before with a fix, plain or keeping the
    Deferred API, and no finding of the rule after: they are `async def` now). A refused
    one whose finding went away only because its callee became `async def` (it hands out
    a coroutine now, no Deferred) is not counted."""
    counts: dict[str, dict[str, int]] = {}
    for code in SHAPE_RULES:
        found = {(f["path"], f.get("function")): f for f in before if f["code"] == code}
        left = {(f["path"], f.get("function")) for f in after if f["code"] == code}
        counts[code] = {"found": len(found),
                        "convertible": sum(not f.get("reason") for f in found.values()),
                        "converted": sum(found[k].get("fix_safety") != "none"
                                         for k in found.keys() - left)}
    return counts


def shapes_cell(r: dict) -> str:
    """`TXA005 converted/found, TXA006 converted/found` for one project."""
    shapes = r.get("shapes") or {}
    return ", ".join(f"{code} {c['converted']}/{c['found']}" for code, c in shapes.items())


def txasync_check(python: Path, tree: Path, env: dict[str, str], log: Path,
                  extra: Sequence[str] = ()) -> list[dict]:
    ran = run(txasync_argv(python, "check", "--select", SELECT, "--format", "json", ".",
                           extra=extra), cwd=tree,
              env=env, log=log, timeout=1800)
    if ran.returncode not in (0, 1):
        raise SetupError(f"txasync check failed ({ran.returncode}): {ran.stderr[-2000:]}")
    start = ran.stdout.find("[")
    return json.loads(ran.stdout[start:]) if start >= 0 else []


def txasync_residue(python: Path, tree: Path, env: dict[str, str], log: Path,
                    extra: Sequence[str] = ()) -> dict:
    """`check --stats`: how many conversions keep a Deferred API, and why (by kind, and the
    top causes with the site or name each points at)."""
    ran = run(txasync_argv(python, "check", "--stats", "--format", "json", ".",
                           extra=extra), cwd=tree,
              env=env, log=log, timeout=1800)
    try:
        data = json.loads(ran.stdout[ran.stdout.find("{"):])
    except ValueError:
        return {"error": (ran.stderr or ran.stdout)[-500:]}
    keep = [c for c in data["causes"] if c["outcome"] == "keeps a Deferred API"]
    by_kind: Counter[str] = Counter()
    for kind in {c["kind"] for c in keep}:
        by_kind[kind] = len({f for c in keep if c["kind"] == kind for f in c["functions"]})
    return {"plain": data["plain"], "keep_api": data["keep_api"], "refused": data["refused"],
            "keep_api_share": data["keep_api_share"],
            # without the functions kept only as a library's public API (a policy, not
            # imprecision)
            "keep_api_share_imprecise": _share_without(data, "public-api"),
            "keep_api_by_kind": dict(by_kind.most_common()),
            "top_causes": [{k: c[k] for k in ("count", "kind", "where")} for c in keep[:10]]}


def _share_without(data: dict, policy_kind: str) -> float:
    """The keep-API share counting only functions held back by something besides the
    policy kind."""
    keep_functions: dict[str, set[str]] = {}
    for cause in data["causes"]:
        if cause["outcome"] == "keeps a Deferred API":
            for f in cause["functions"]:
                keep_functions.setdefault(f, set()).add(cause["kind"])
    imprecise = sum(1 for kinds in keep_functions.values() if kinds - {policy_kind})
    changing = data["plain"] + data["keep_api"]
    return round(imprecise / changing, 4) if changing else 0.0


def txasync_progress(python: Path, tree: Path, env: dict[str, str], log: Path,
                     extra: Sequence[str] = ()) -> dict:
    ran = run(txasync_argv(python, "progress", "--format", "json", ".", extra=extra), cwd=tree,
              env=env, log=log, timeout=1800)
    try:
        start = ran.stdout.find("{")
        data = json.loads(ran.stdout[start:])
    except ValueError:
        return {"error": (ran.stderr or ran.stdout)[-500:]}
    return {k: v for k, v in data.items() if not isinstance(v, list)}


SUMMARY_RE = re.compile(
    r"(?:would convert|converted) (\d+) functions?, (?:wrap|wrapped) (\d+) call sites? in "
    r"`ensureDeferred`, (?:rewrite|rewrote) (\d+) other returnValue calls?, in (\d+) files?")
_PATH_LINE = re.compile(r"\(?\b[\w./\\-]+\.py(?::\d+)+\)?")
_BACKTICKS = re.compile(r"`[^`]*`")
_LOCATION = re.compile(r"\bat [\w./\\-]+\.py(?::\d+)?")


def target_twisted(progress: dict) -> dict[str, Any]:
    env = progress.get("environment") or {}
    return {"version": env.get("twisted_version"), "source": env.get("twisted_version_source"),
            "detail": env.get("twisted_version_detail"), "python": env.get("python"),
            "python_source": env.get("python_source")}


def target_cell(r: dict[str, Any]) -> str:
    """`22.10 (declared: setup.py: Twisted[tls] >= 22.10.0)` for the table."""
    t = r.get("target_twisted") or {}
    if not t.get("version"):
        return "?"
    detail = f": {t['detail']}" if t.get("detail") else ""
    return f"{t['version']} ({t.get('source')}{detail})"


def residue_cell(r: dict[str, Any]) -> str:
    """`36% (12%)`: keep-API conversions among all conversions, and those held back by
    something other than the public-API policy."""
    res = r.get("residue") or {}
    if "keep_api_share" not in res:
        return "?"
    return f"{res['keep_api_share']:.0%} ({res['keep_api_share_imprecise']:.0%})"


def normalise_reason(reason: str) -> str:
    """A refusal reason without the names, files and lines that make each one unique."""
    text = _LOCATION.sub("at …", reason)
    text = _PATH_LINE.sub("", text)
    text = _BACKTICKS.sub("`…`", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:)])", r"\1", text)
    return text


def count_diff(diff: str) -> dict[str, Any]:
    added = removed = 0
    files: list[str] = []
    wraps_added = 0
    async_defs_added = 0
    delegates = 0
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:].strip()
            files.append(name[2:] if name.startswith("b/") else name)
        elif line.startswith("--- "):
            continue
        elif line.startswith("+"):
            added += 1
            wraps_added += line.count("ensureDeferred(") + line.count("fromCoroutine(")
            if re.match(r"\+\s*async def ", line):
                async_defs_added += 1
            if re.match(r"\+\s*return .*(ensureDeferred|fromCoroutine)\((self|cls)\.__\w+\(",
                        line):
                delegates += 1
        elif line.startswith("-"):
            removed += 1
            wraps_added -= line.count("ensureDeferred(") + line.count("fromCoroutine(")
    return {"files": files, "lines_added": added, "lines_removed": removed,
            "ensureDeferred_added": wraps_added, "async_defs_added": async_defs_added,
            "delegate_helpers": delegates}


# --------------------------------------------------------------------------------------------
# what a reviewer sees: the quality of the diff, measured without probe evidence

_LAMBDA = re.compile(r"\blambda\b")


def lambda_in_lambda(line: str) -> bool:
    """Whether a lambda's body on this line holds another lambda (`maybeDeferred(lambda:
    (lambda *a, **kw: ...))`): the body runs to the comma or bracket that ends it."""
    for found in _LAMBDA.finditer(line):
        colon = line.find(":", found.end())
        if colon < 0:
            continue
        depth = 0
        for index in range(colon + 1, len(line)):
            ch = line[index]
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth < 0:
                    break
            elif ch == "," and depth == 0:
                break
            elif _LAMBDA.match(line, index) and (index == 0 or not (
                    line[index - 1].isalnum() or line[index - 1] == "_")):
                return True
    return False


def _ruff(cache: Path | None = None, txasync_src: Path | None = None) -> list[str] | None:
    """How to run ruff here: PATH, this checkout's or the measured checkout's venv, the
    driver's Python, else a small tools venv the driver makes once in the cache (without
    ruff the import column would read n/a on every machine that runs the driver with a bare
    python3). None only when that venv cannot be made."""
    found = shutil.which("ruff")
    if found:
        return [found]
    candidates = [REPO / ".venv" / "bin" / "ruff", Path(sys.executable).parent / "ruff"]
    if txasync_src is not None:
        candidates.append(txasync_src / ".venv" / "bin" / "ruff")
    for candidate in candidates:
        if candidate.exists():
            return [str(candidate)]
    if cache is None:
        return None
    tools = cache / "tools-venv"
    ruff = venv_python(tools).parent / "ruff"
    if not ruff.exists():
        say(f"creating {tools} with ruff for the import column")
        made = run([sys.executable, "-m", "venv", str(tools)])
        if made.returncode == 0:
            run([str(venv_python(tools)), "-m", "pip", "install", "--disable-pip-version-check",
                 "-q", "ruff"], timeout=900)
    return [str(ruff)] if ruff.exists() else None


def import_findings(root: Path, files: list[str], ruff: list[str] | None,
                    project_dir: str = ".") -> dict[str, int] | None:
    """`ruff check --select I` findings per file (the project's own isort settings where
    ruff reads them; `--isolated` when its configuration does not load), None without ruff.
    ruff runs from the project's directory (`install_dir`): with no settings of its own it
    counts as first-party what lies there (and a file's own package: GlobaLeaks'
    backend/__init__.py makes that `backend`, not its package `globaleaks`)."""
    existing = [str((root / f).resolve()) for f in files if (root / f).exists()]
    if ruff is None:
        return None
    if not existing:
        return {}
    for extra in ([], ["--isolated"]):
        ran = run([*ruff, "check", "--select", "I", "--output-format", "json", "--no-cache",
                   "--exit-zero", *extra, *existing], cwd=root / project_dir, timeout=600)
        try:
            found = json.loads(ran.stdout or "[]")
        except ValueError:
            continue
        counts: Counter[str] = Counter()
        for item in found:
            counts[str(Path(item["filename"]).resolve().relative_to(root.resolve()))] += 1
        return dict(counts)
    return None


def _statement(line: str) -> str:
    """A line as the statement it is, whether it waits with `yield` or `await`."""
    return re.sub(r"\b(?:yield|await)\b", "wait", line.strip())


def diff_quality(orig: Path, tree: Path, files: list[str],
                 ruff: list[str] | None = None, project_dir: str = ".") -> dict[str, Any]:
    """Per project: the share of awaiting lines the conversion added that use
    `maybeDeferred`, added lines over the project's line length that the lines they replace
    were not, new `ruff check --select I` findings on the changed files, and
    lambda-of-lambda wraps."""
    sys.path.insert(0, str(REPO / "server"))
    try:
        from txasync.style import code_length, project_style
    finally:
        sys.path.pop(0)
    style = project_style(str(orig))
    limit = style.line_length
    awaiting = maybe = over = lambdas = 0
    longest = 0
    for rel in files:
        before_path, after_path = orig / rel, tree / rel
        if not after_path.exists():
            continue
        before = (before_path.read_text(encoding="utf-8", errors="surrogateescape")
                  if before_path.exists() else "").splitlines()
        after = after_path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
        # A long line a rewrite moves (a keep-API helper takes the body below its wrapper)
        # may land in another block than the one it left: the same statement, already
        # over the limit, is paired with its old line wherever that was.
        old_at: dict[str, list[int]] = {}
        for i, line in enumerate(before):
            if code_length(line) > limit:
                old_at.setdefault(_statement(line), []).append(i)
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        opcodes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
        paired_old: set[int] = set()
        paired_new: set[int] = set()
        for _tag, _i1, _i2, j1, j2 in opcodes:
            for j in range(j1, j2):
                if code_length(after[j]) > limit and old_at.get(_statement(after[j])):
                    paired_old.add(old_at[_statement(after[j])].pop(0))
                    paired_new.add(j)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            added = after[j1:j2]
            for line in added:
                if re.search(r"\bawait\b", line):
                    awaiting += 1
                    if "maybeDeferred(" in line:
                        maybe += 1
                if lambda_in_lambda(line):
                    lambdas += 1
            # As the layout counts (and ruff's E501): a trailing pragma comment, which has
            # to stay on its line, does not count.
            new_long = [len(after[j]) for j in range(j1, j2) if code_length(after[j]) > limit]
            unpaired_new = sum(1 for j in range(j1, j2)
                               if code_length(after[j]) > limit and j not in paired_new)
            unpaired_old = sum(1 for i in range(i1, i2)
                               if code_length(before[i]) > limit and i not in paired_old)
            over += max(0, unpaired_new - unpaired_old)
            longest = max([longest, *new_long])
    before_i = import_findings(orig, files, ruff, project_dir)
    after_i = import_findings(tree, files, ruff, project_dir)
    new_imports = None
    if before_i is not None and after_i is not None:
        new_imports = sum(max(0, n - before_i.get(f, 0)) for f, n in after_i.items())
    return {
        "line_length": limit,
        "line_length_source": style.line_length_source or "default",
        "awaiting_lines": awaiting,
        "maybe_deferred_lines": maybe,
        "maybe_deferred_share": round(maybe / awaiting, 4) if awaiting else 0.0,
        "added_lines_over_limit": over,
        "longest_added_line": longest,
        "new_import_findings": new_imports,
        "lambda_of_lambda": lambdas,
    }


# --------------------------------------------------------------------------------------------
# with probe evidence (--probe): the documented route to fewer `maybeDeferred`s


def probe_argv(python: Path, tree: Path) -> list[str]:
    """`txasync probe --root TREE --`, to put before the suite's argv: the suite then runs
    with the probe in every Python process (trial -j and xdist workers included), and the
    evidence lands in TREE/.txasync/evidence.json, where `fix` in TREE reads it."""
    runner = TXASYNC_PYTHON or python
    return [str(runner), "-m", "txasync", "probe", "--root", str(tree), "--"]


def fix_elsewhere(python: Path, orig: Path, work: Path, env: dict[str, str], log: Path,
                  extra: Sequence[str] = ()) -> Ran:
    """`txasync fix` on a fresh copy of the unconverted tree at `work`, which has no probe
    evidence: the conversion as it is without it, to measure beside the one with it."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(orig, work, symlinks=True)
    return run(txasync_argv(python, "fix", "--select", SELECT, ".", extra=extra), cwd=work,
               env=env, log=log, timeout=1800)


# Why a yield that is `maybeDeferred` without evidence is (or is not) a plain `await` with it,
# in the order the table shows them.
EVIDENCE_VERDICTS = ("awaitable", "plain", "mixed", "coroutine-too-old", "never-ran",
                     "no-evidence")


def evidence_breakdown(tree: Path, orig: Path, findings_before: list[dict[str, Any]],
                       twisted_version: str | None) -> dict[str, Any]:
    """What the probe's evidence says about each yield `check` reported as uncertain (TXA004)
    before it: awaitable (every value seen was one `await` takes as `yield` did: the yield
    becomes a plain `await`), only plain values, both, only coroutines where the target
    Twisted (< 24.7) hands a yielded coroutine back, never ran (the function did not run, or
    that yield was never reached), or no evidence for its file (not imported by the tests, or
    a hash that does not match the unconverted source: `stale_files`). Also the evidence's own
    figures: processes, functions that ran, warnings."""
    path = tree / ".txasync" / "evidence.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return {"error": f"no evidence: {exc}"}
    sys.path.insert(0, str(REPO / "server"))
    try:
        from txasync.analysis.evidence import source_sha256, yield_verdict
    finally:
        sys.path.pop(0)
    version = (0, 0)
    if twisted_version:
        parts = re.findall(r"\d+", twisted_version)[:2]
        version = (int(parts[0]), int(parts[1]) if len(parts) > 1 else 0)
    files = data.get("files", {})
    stale = []
    for rel, entry in files.items():
        source = orig / rel
        text = source.read_text(encoding="utf-8", errors="surrogateescape") if (
            source.exists()) else None
        if text is None or entry.get("sha256") != source_sha256(text):
            stale.append(rel)
    sites: dict[tuple[str, int, int], set[str]] = {}
    for rel, entry in files.items():
        for fn in entry.get("functions", {}).values():
            for y in fn.get("yields", []):
                if y.get("count", 0) > 0:
                    sites.setdefault((rel, int(y["line"]), int(y["col"])), set()).update(
                        y.get("kinds", {}))
    verdicts: Counter[str] = Counter()
    kinds_seen: Counter[str] = Counter()
    never_ran: Counter[str] = Counter()  # by file: tests, examples, code no test imports
    left: list[str] = []  # the yields that ran and stay `maybeDeferred`, with what they saw
    for finding in findings_before:
        if finding["code"] != "TXA004":
            continue
        rel = finding["path"]
        if rel not in files or rel in stale:
            verdicts["no-evidence"] += 1
            continue
        kinds = sites.get((rel, finding["line"], finding["column"] - 1))
        verdict = yield_verdict(frozenset(kinds) if kinds else None, version)
        if verdict == "unknown":
            verdicts["never-ran"] += 1
            never_ran[rel] += 1
            continue
        kinds_seen.update(kinds or ())
        if verdict != "awaitable" and kinds and kinds <= {"Deferred", "coroutine"}:
            verdict = "coroutine-too-old"
        verdicts[verdict] += 1
        if verdict != "awaitable":
            left.append(f"{rel}:{finding['line']} {finding.get('function')}: {verdict} "
                        f"({', '.join(sorted(kinds or ()))})")
    functions = [fn for entry in files.values() for fn in entry.get("functions", {}).values()]
    # A recorded yield that merge could not match to a static one (a position mismatch):
    # its evidence reaches no yield the planner asks about.
    unmatched = sum(1 for fn in functions for y in fn.get("yields", []) if not y.get("static"))
    return {
        "processes": data.get("processes", 0),
        "exit_code": data.get("exit_code"),
        "twisted": data.get("twisted", []),
        "functions": len(functions),
        "functions_ran": sum(1 for fn in functions if fn.get("calls", 0) > 0),
        "unmatched_yields": unmatched,
        "functions_not_static": sum(1 for fn in functions if not fn.get("static")),
        "warnings": list(data.get("warnings", []))[:20],
        "stale_files": sorted(stale),
        "uncertain_yields_before": sum(verdicts.values()),
        "verdicts": {v: verdicts[v] for v in EVIDENCE_VERDICTS},
        "kinds_seen": dict(kinds_seen.most_common()),
        "never_ran_by_file": dict(never_ran.most_common()),
        "ran_and_left": left[:200],
    }


def probe_cells(r: dict[str, Any]) -> list[str]:
    """awaiting lines, maybeDeferred without and with evidence, uncertain yields that never
    ran, and how the evidence judged the rest."""
    pr = r.get("probe") or {}
    without, with_ = r.get("quality") or {}, pr.get("quality") or {}
    ev = pr.get("evidence") or {}
    verdicts = ev.get("verdicts") or {}

    def share(q: dict[str, Any]) -> str:
        if not q:
            return "?"
        return (f"{q['maybe_deferred_lines']}/{q['awaiting_lines']} "
                f"({q['maybe_deferred_share']:.0%})")

    judged = ", ".join(f"{k} {n}" for k, n in verdicts.items()
                       if n and k not in ("never-ran",))
    return [str(with_.get("awaiting_lines", "?")), share(without), share(with_),
            f"{verdicts.get('never-ran', 0)} of {ev.get('uncertain_yields_before', '?')}",
            judged or "-"]


def tree_diff(orig: Path, tree: Path) -> str:
    """A unified diff of every .py file the fix changed (paths relative to the tree)."""
    chunks: list[str] = []
    for path in sorted(tree.rglob("*.py")):
        rel = path.relative_to(tree)
        before_path = orig / rel
        after = path.read_text(encoding="utf-8", errors="surrogateescape")
        before = (before_path.read_text(encoding="utf-8", errors="surrogateescape")
                  if before_path.exists() else "")
        if before != after:
            chunks.extend(line if line.endswith("\n") else line + "\n"
                          for line in difflib.unified_diff(
                              before.splitlines(keepends=True),
                              after.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"))
    return "".join(chunks)


def ic_counts(findings: list[dict]) -> dict[str, Any]:
    codes = Counter(f["code"] for f in findings)
    refusals = [f for f in findings if f["code"] == "TXA002"]
    return {
        "ic_functions": codes.get("TXA001", 0) + codes.get("TXA002", 0),
        "convertible": codes.get("TXA001", 0),
        "refused": codes.get("TXA002", 0),
        "unknown_yields": codes.get("TXA004", 0),
        "return_value_hints": codes.get("TXA003", 0),
        "codes": dict(sorted(codes.items())),
        "refusals": [{"path": f["path"], "line": f["line"], "function": f.get("function"),
                      "reason": f.get("reason") or "", "message": f.get("message", "")}
                     for f in refusals],
    }


def ic_keys(findings: list[dict]) -> set[tuple[str, str]]:
    return {(f["path"], f.get("function") or f"{f['line']}") for f in findings
            if f["code"] in ("TXA001", "TXA002")}


# --------------------------------------------------------------------------------------------
# audits: what the tests may not show


def engine_identity(txasync_src: Path) -> dict[str, Any]:
    """Which txasync did the converting: commit, local edits, and a hash of its sources."""
    digest = hashlib.sha256()
    package = txasync_src / "server" / "txasync"
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    identity: dict[str, Any] = {"sources_sha256": digest.hexdigest()[:16]}
    if shutil.which("git") and (txasync_src / ".git").exists():
        head = run(["git", "-C", str(txasync_src), "rev-parse", "--short", "HEAD"])
        dirty = run(["git", "-C", str(txasync_src), "status", "--porcelain", "--",
                     "server/txasync"])
        identity["commit"] = head.stdout.strip() or None
        identity["engine_edited_since_commit"] = bool(dirty.stdout.strip())
    return identity


def _functions(path: Path) -> dict[str, ast.AST]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (SyntaxError, ValueError, OSError):
        return {}
    found: dict[str, ast.AST] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                found[name] = child
                visit(child, name + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _own(node: ast.AST, kinds: tuple[type, ...]) -> list[ast.AST]:
    """Nodes of `kinds` in a function's own scope (not in nested functions or classes)."""
    out: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(child, kinds):
            out.append(child)
        stack.extend(ast.iter_child_nodes(child))
    return out


def _is_ic(fn: ast.AST) -> bool:
    return isinstance(fn, ast.FunctionDef) and any(
        "inlineCallbacks" in ast.unparse(d) for d in fn.decorator_list)


def _statements(fn: ast.AST) -> list[ast.stmt]:
    """A function's body without its docstring."""
    body = list(getattr(fn, "body", []))
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def _code(fn: ast.AST) -> str:
    """A function's source without its docstring."""
    return "\n".join(ast.unparse(stmt) for stmt in _statements(fn))


def _delegate_name(wrapper: ast.AST) -> str | None:
    """`return defer.ensureDeferred(self.__get(key))` -> `__get`: the async helper a
    keep-API wrapper delegates to (not another method whose name looks alike, `_get`)."""
    body = _statements(wrapper)
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return None  # not a wrapper: a function left as it was
    for node in ast.walk(body[0]):
        if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name))
                and (node.func.attr if isinstance(node.func, ast.Attribute)
                     else node.func.id) in ("ensureDeferred", "fromCoroutine")
                and node.args and isinstance(node.args[0], ast.Call)):
            inner = node.args[0].func
            if isinstance(inner, ast.Attribute):
                return inner.attr
            if isinstance(inner, ast.Name):
                return inner.id
    return None


def lost_yields(orig: Path, tree: Path) -> list[dict[str, Any]]:
    """Yielded calls whose callee no longer appears in the converted function.

    A converted `yield f(x)` may become `await f(x)`, `await defer.maybeDeferred(f, x)` or,
    when f returns a plain value, `f(x)`; in every case `f` is still called (`succeed(x)`
    aside: TXA014 may respell it, keeping `x`). A callee that
    appears fewer times after the conversion than before means a call was dropped.
    """
    lost: list[dict[str, Any]] = []
    for path in sorted(orig.rglob("*.py")):
        rel = path.relative_to(orig)
        text = path.read_text(encoding="utf-8", errors="replace")
        if "inlineCallbacks" not in text:
            continue
        before, after = _functions(path), _functions(tree / rel)
        for qualname, fn in before.items():
            if not _is_ic(fn):
                continue
            head, _, name = qualname.rpartition(".")
            prefix = head + "." if head else ""
            converted = after.get(qualname)
            if converted is not None and not isinstance(converted, ast.AsyncFunctionDef):
                # a keep-API wrapper: its body is the helper it hands to ensureDeferred
                helper = _delegate_name(converted)
                converted = after.get(prefix + helper) if helper else None
            if not isinstance(converted, ast.AsyncFunctionDef):
                converted = next((f for q, f in after.items()
                                  if isinstance(f, ast.AsyncFunctionDef)
                                  and q.startswith(prefix) and "." not in q[len(prefix):]
                                  and q[len(prefix):].strip("_") == name.strip("_")), None)
            if converted is None:
                continue  # not converted
            # (docstrings aside: a keep-API conversion leaves it on the wrapper)
            old_src, new_src = _code(fn), _code(converted)
            for node in _own(fn, (ast.Yield,)):
                value = node.value  # type: ignore[attr-defined]
                if not isinstance(value, ast.Call):
                    continue
                callee = ast.unparse(value.func)
                if isinstance(value.func, ast.Attribute) and any(
                        isinstance(inner, (ast.Yield, ast.YieldFrom))
                        for inner in ast.walk(value.func.value)):
                    # `(yield a()).get()`: the receiver's own yield is rewritten (and audited
                    # by itself), so what must survive is the attribute call
                    callee = f".{value.func.attr}"
                if callee.rpartition(".")[2] == "succeed" and all(
                        ast.unparse(arg) in new_src for arg in value.args):
                    # TXA014's respelling of `succeed(x)` where x may be a Failure
                    # (`maybeDeferred(lambda: x)`, `fail(...)`): succeed has no effect of its
                    # own to lose, and its argument is still evaluated.
                    continue
                if new_src.count(callee) < old_src.count(callee):
                    lost.append({"path": str(rel), "line": node.lineno, "function": qualname,
                                 "yield": ast.unparse(value)[:200]})
    return lost


NEVER_AWAITED = re.compile(r"coroutine '([^']+)' was never awaited")


def never_awaited(run_dir: Path) -> dict[str, int]:
    """`RuntimeWarning: coroutine ... was never awaited` in a test run's logs, by coroutine."""
    found: Counter[str] = Counter()
    if not run_dir.exists():
        return {}
    for path in run_dir.rglob("*"):
        if path.is_file() and path.suffix in (".log", ".txt", "") and path.stat().st_size < 50e6:
            try:
                found.update(NEVER_AWAITED.findall(path.read_text(errors="replace")))
            except OSError:
                continue
    return dict(found.most_common())


# --------------------------------------------------------------------------------------------
# trial output

STATUS_RE = re.compile(r"\[(OK|ERROR|FAILURE|SKIPPED|TODO|SUCCESS!\?!)\]")
START_RE = re.compile(r"(?m)^([A-Za-z_]\S*) \.\.\. ")
SEVERITY = {"OK": 0, "SKIPPED": 1, "TODO": 2, "SUCCESS!?!": 3, "FAILURE": 4, "ERROR": 5}
SUMMARY_LINE = re.compile(r"(?m)^(PASSED|FAILED)(?: \(([^)]*)\))?\s*$")
RAN_LINE = re.compile(r"(?m)^Ran (\d+) tests? in ([\d.]+)s")
SEP2 = "=" * 79
SEP1 = "-" * 79


def parse_trial(output: str) -> dict[str, Any]:
    """Per-test outcomes, tracebacks and the summary counts of a bwverbose trial run."""
    outcomes: dict[str, str] = {}
    starts = list(START_RE.finditer(output))
    summary_at = output.find("\n" + SEP2 + "\n")
    ran_at = RAN_LINE.search(output)
    end_of_tests = min(x for x in (summary_at if summary_at >= 0 else len(output),
                                   ran_at.start() if ran_at else len(output)))
    for i, match in enumerate(starts):
        if match.start() >= end_of_tests:
            break
        stop = starts[i + 1].start() if i + 1 < len(starts) else end_of_tests
        stop = min(stop, end_of_tests)
        statuses = STATUS_RE.findall(output[match.end():stop])
        test = match.group(1).strip()
        status = max(statuses, key=SEVERITY.__getitem__) if statuses else "UNKNOWN"
        if test in outcomes and outcomes[test] != "UNKNOWN" and status != "UNKNOWN":
            status = max((outcomes[test], status), key=SEVERITY.__getitem__)
        outcomes[test] = status
    details: dict[str, list[dict[str, str]]] = {}
    if summary_at >= 0:
        tail = output[summary_at:]
        stop = tail.find("\n" + SEP1 + "\n")
        tail = tail[:stop] if stop >= 0 else tail
        for block in tail.split(SEP2):
            lines = block.strip("\n").splitlines()
            if not lines or not lines[0].startswith("["):
                continue
            kind = lines[0].strip()
            body = lines[1:]
            last_blank = max((i for i, line in enumerate(body) if not line.strip()), default=-1)
            ids = [line.strip() for line in body[last_blank + 1:] if line.strip()]
            text = "\n".join(body[:last_blank]).rstrip() if last_blank >= 0 else ""
            for test in ids:
                details.setdefault(test, []).append({"kind": kind, "detail": text})
                if test not in outcomes:  # module import errors and the like
                    outcomes[test] = {"[FAIL]": "FAILURE", "[ERROR]": "ERROR"}.get(
                        kind, kind.strip("[]"))
    counts: dict[str, Any] = {"tests": 0, "successes": 0, "failures": 0, "errors": 0,
                              "skips": 0, "expectedFailures": 0, "unexpectedSuccesses": 0}
    matches = list(SUMMARY_LINE.finditer(output))
    summary = matches[-1] if matches else None
    if summary is not None:
        counts["result"] = summary.group(1)
        for part in (summary.group(2) or "").split(","):
            key, _, value = part.strip().partition("=")
            if key and value.isdigit():
                counts[key] = int(value)
    else:
        counts["result"] = "CRASHED"
    ran_all = RAN_LINE.findall(output)
    if ran_all:
        counts["tests"] = int(ran_all[-1][0])
        counts["seconds"] = float(ran_all[-1][1])
    return {"counts": counts, "outcomes": outcomes, "details": details}


def trial_argv(project: ProjectConfig, python: Path, tests: list[str] | None = None,
               jobs: int | None = None, tree: Path | None = None,
               report: Path | None = None) -> list[str]:
    """The suite's argv: `test_command` with "{jobs}" and "{package}" filled in. For a pytest
    project "{jobs}" is xdist's `-n N`, targets and node ids are paths inside the tree (made
    absolute when `tree` is given, as the suite runs elsewhere), and `report` is where the
    JUnit XML report goes."""
    jobs = project.trial_jobs if jobs is None else jobs
    pytest = project.runner == "pytest"
    argv = [str(python)]
    for part in project.test_command:
        if part == "{jobs}":
            if jobs > 1:
                argv.extend(["-n", str(jobs)] if pytest else [f"-j{jobs}"])
        elif part == "{package}":
            targets = tests or project.test_targets or [project.package]
            if pytest and tree is not None:
                targets = [str(tree / t) for t in targets]
            argv.extend(targets)
        else:
            argv.append(part)
    if pytest and report is not None:
        # xunit1 keeps the file attribute (see junit_node_id); a module that fails to import
        # must not hide every other test's outcome (pytest stops after collection errors).
        argv.extend([f"--junitxml={report}", "-o", "junit_family=xunit1",
                     "-p", "no:cacheprovider", "--continue-on-collection-errors"])
        if tree is not None:
            argv.append(f"--rootdir={tree}")
    return argv


def run_suite(project: ProjectConfig, python: Path, env: dict[str, str], where: Path,
              log: Path, tests: list[str] | None = None, jobs: int | None = None,
              tree: Path | None = None, wrap: Sequence[str] = ()) -> dict[str, Any]:
    """One run of the suite, parsed. `wrap` goes before the suite's argv: `txasync probe
    --root TREE --` runs it under the probe, whose stdout and exit status are the suite's,
    so the same run gives the outcomes and the evidence."""
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    report = where / "junit.xml"
    argv = [*wrap, *trial_argv(project, python, tests, jobs, tree=tree, report=report)]
    cwd = tree if project.run_in_tree and tree is not None else where
    ran = run(argv, cwd=cwd, env=env, timeout=project.timeout, log=log)
    if wrap:
        (where / "probe.txt").write_text(
            "\n".join(line for line in ran.stderr.splitlines()
                      if line.startswith("txasync probe")) + "\n")
    if project.runner == "pytest":
        # The output beside the report, where the never-awaited audit reads run logs.
        (where / "output.txt").write_text(ran.stdout + "\n" + ran.stderr)
        parsed = parse_junit(report, tree)
    else:
        parsed = parse_trial(ran.stdout + "\n" + ran.stderr if ran.stderr.strip() and
                             SUMMARY_LINE.search(ran.stderr) else ran.stdout)
    parsed["returncode"] = ran.returncode
    parsed["seconds"] = round(ran.seconds, 1)
    parsed["argv"] = argv[len(wrap) + 1:]
    return parsed


# --------------------------------------------------------------------------------------------
# pytest's JUnit XML report

# A testcase's child element, as the outcome it records (a skip typed pytest.xfail is an
# expected failure, trial's TODO).
JUNIT_KINDS = {"failure": "FAILURE", "error": "ERROR", "skipped": "SKIPPED"}


def junit_node_id(classname: str, name: str, file: str | None, tree: Path | None) -> str:
    """The pytest node id a testcase stands for. pytest writes `classname` as the node id's
    parts but the last, with the file's path dotted and ".py" dropped ("tests.test_x.TestC"
    for "tests/test_x.py::TestC"): the file is the longest dotted prefix naming a .py file in
    the tree. Without the tree (or no such file) the xunit1 `file` attribute is the guess; it
    names where the test is defined, which for an inherited test is another module."""
    if not classname:  # a collection error: the name is the module that failed
        return name
    parts = classname.split(".")
    if tree is not None:
        for cut in range(len(parts), 0, -1):
            path = "/".join(parts[:cut]) + ".py"
            if (tree / path).is_file():
                return "::".join([path, *parts[cut:], name])
    if file:
        module = file[:-3].replace("/", ".") if file.endswith(".py") else file
        rest = classname[len(module):].lstrip(".") if classname.startswith(module) else ""
        return "::".join([file, *(rest.split(".") if rest else []), name])
    return "::".join([*parts, name])


def parse_junit(report: Path, tree: Path | None = None) -> dict[str, Any]:
    """Per-test outcomes, failure texts and counts from pytest's JUnit XML report, in the
    shape parse_trial gives (the test names are node ids relative to the tree). No report
    means the run crashed before pytest wrote one."""
    import xml.etree.ElementTree as ET

    outcomes: dict[str, str] = {}
    details: dict[str, list[dict[str, str]]] = {}
    counts: dict[str, Any] = {"tests": 0, "successes": 0, "failures": 0, "errors": 0,
                              "skips": 0, "expectedFailures": 0, "unexpectedSuccesses": 0}
    try:
        root = ET.parse(report).getroot()
    except (OSError, ET.ParseError):
        counts["result"] = "CRASHED"
        return {"counts": counts, "outcomes": outcomes, "details": details}
    seconds = 0.0
    for suite in root.iter("testsuite"):
        seconds += float(suite.get("time") or 0)
    for case in root.iter("testcase"):
        test = junit_node_id(case.get("classname", ""), case.get("name", ""),
                             case.get("file"), tree)
        status = "OK"
        for child in case:
            kind = JUNIT_KINDS.get(child.tag)
            if kind is None:
                continue
            if kind == "SKIPPED" and child.get("type") == "pytest.xfail":
                kind = "TODO"
            text = "\n".join(x for x in (child.get("message") or "", child.text or "")
                             if x.strip())
            details.setdefault(test, []).append({"kind": f"[{kind}]", "detail": text})
            status = max((status, kind), key=SEVERITY.__getitem__)
        if test in outcomes:  # a teardown error reported apart from the call's outcome
            status = max((outcomes[test], status), key=SEVERITY.__getitem__)
        outcomes[test] = status
    tally = Counter(outcomes.values())
    counts.update(tests=len(outcomes), successes=tally["OK"], failures=tally["FAILURE"],
                  errors=tally["ERROR"], skips=tally["SKIPPED"],
                  expectedFailures=tally["TODO"], seconds=round(seconds, 1))
    counts["result"] = "FAILED" if tally["FAILURE"] or tally["ERROR"] else "PASSED"
    return {"counts": counts, "outcomes": outcomes, "details": details}


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    changed = []
    for test in sorted(set(before["outcomes"]) | set(after["outcomes"])):
        b = before["outcomes"].get(test, "MISSING")
        a = after["outcomes"].get(test, "MISSING")
        if a != b:
            changed.append({
                "test": test, "before": b, "after": a,
                "details_before": before["details"].get(test, []),
                "details_after": after["details"].get(test, []),
            })
    return changed


# --------------------------------------------------------------------------------------------
# one project


def compile_changed(python: Path, tree: Path, files: list[str], env: dict[str, str]
                    ) -> list[str]:
    if not files:
        return []
    code = ("import sys, py_compile\nbad = []\n"
            "for p in sys.argv[1:]:\n"
            "    try:\n        py_compile.compile(p, doraise=True, cfile='/dev/null')\n"
            "    except py_compile.PyCompileError as e:\n        print(str(e).strip())\n")
    ran = run([str(python), "-c", code, *files], cwd=tree, env=env)
    return [line for line in ran.stdout.splitlines() if line.strip()]


@contextlib.contextmanager
def project_lock(cache: Path, slug: str) -> Iterator[None]:
    """Hold the project's work directory for this run. Two runs measuring the same project
    in one cache directory would unpack, convert and test over each other's tree (and report
    the other's crash as changed tests): the second one stops with a setup error instead."""
    path = cache / "work" / f"{slug}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SetupError(f"another run is measuring {slug} in {cache}; wait for it, or "
                             "give this run its own --cache-dir") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_project(project: ProjectConfig, cache: Path, txasync_src: Path, fresh_venv: bool,
                rerun_changed: int = RERUNS, probe: bool = False) -> dict[str, Any]:
    """One project measured (see the module docstring). With `probe`, the suite before runs
    under `txasync probe` (its outcomes are the baseline, its evidence goes into the tree), the
    fix reads that evidence, and a fix of a copy without it gives the figures to compare."""
    with project_lock(cache, project.slug):
        return _run_project(project, cache, txasync_src, fresh_venv, rerun_changed, probe)


def _run_project(project: ProjectConfig, cache: Path, txasync_src: Path, fresh_venv: bool,
                 rerun_changed: int, probe: bool = False) -> dict[str, Any]:
    t0 = time.monotonic()
    base = cache / "work" / project.slug
    logs = base / "logs"
    if logs.exists():
        shutil.rmtree(logs)
    logs.mkdir(parents=True)
    for stale in base.glob("run-rerun*"):
        shutil.rmtree(stale)
    tree, orig, venv = base / "tree", base / "orig", base / "venv"
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.monotonic()
        timings[name] = round(now - since, 1)
        return now

    tick = time.monotonic()
    # The venv first: its pip downloads the sdist (the driver's own Python needs no pip).
    tree.parent.mkdir(parents=True, exist_ok=True)
    python = ensure_venv(project, venv, tree, txasync_src, fresh_venv, logs)
    archive = download_sdist(project, python, cache, logs)
    unpack(archive, orig)
    if tree.exists():
        shutil.rmtree(tree)
    shutil.copytree(orig, tree, symlinks=True)
    write_txasync_settings(tree, project.txasync_settings)
    install_project(python, tree / project.install_dir, logs, project.pip_build_args)
    env = project_env(project, venv, tree)
    location = check_import_location(project, python, env, tree)
    versions = run([str(python), "-c",
                    "import twisted, sys; from importlib.metadata import version as v; "
                    "print(twisted.__version__); print(v('txasync')); "
                    "print(sys.version.split()[0])"],
                   env=env, check=True).stdout.split()
    tick = lap("setup", tick)

    say(f"{project.slug}: txasync check (before)")
    before_findings = txasync_check(python, tree, env, logs / "check-before.json.log",
                                    extra=project.txasync_args)
    before_progress = txasync_progress(python, tree, env, logs / "progress-before.log",
                                       extra=project.txasync_args)
    before_ic = ic_counts(before_findings)
    residue = txasync_residue(python, tree, env, logs / "check-stats.log",
                              extra=project.txasync_args)
    tick = lap("check_before", tick)

    say(f"{project.slug}: test suite before "
        f"({' '.join(trial_argv(project, python, tree=tree)[1:])})"
        + (" under txasync probe" if probe else ""))
    before = run_suite(project, python, env, base / "run-before", logs / "tests-before.log",
                       tree=tree, wrap=probe_argv(python, tree) if probe else ())
    tick = lap("tests_before", tick)
    say(f"{project.slug}: before: {fmt_counts(before['counts'])}")
    probed: dict[str, Any] = {}
    if probe:
        say(f"{project.slug}: txasync fix of a copy without the evidence")
        without = base / "tree-without-evidence"
        fix_elsewhere(python, orig, without, env, logs / "fix-without-evidence.log",
                      extra=project.txasync_args)
        probed["quality_without_evidence"] = diff_quality(
            orig, without, count_diff(tree_diff(orig, without))["files"],
            _ruff(cache, txasync_src))
        probed["evidence"] = evidence_breakdown(
            tree, orig, before_findings, target_twisted(before_progress)["version"])
        probed["probe_output"] = (base / "run-before" / "probe.txt").read_text().strip()
        tick = lap("fix_without_evidence", tick)

    say(f"{project.slug}: txasync fix")
    # Taken now, not when the results are written: the suites take long enough for the
    # checkout to move on, and the engine that matters is the one that converted.
    identity = engine_identity(txasync_src)
    fix_run = run(txasync_argv(python, "fix", "--select", SELECT, ".",
                               extra=project.txasync_args), cwd=tree, env=env,
                  log=logs / "fix.log", timeout=1800)
    diff = tree_diff(orig, tree)
    (base / "fix.diff").write_text(diff)
    diff_stats = count_diff(diff)
    quality = diff_quality(orig, tree, diff_stats["files"], _ruff(cache, txasync_src),
                           project.install_dir)
    summary = SUMMARY_RE.search(fix_run.stdout + fix_run.stderr)
    fix_problems = [line for line in fix_run.stderr.splitlines()
                    if "internal error" in line or "cannot write" in line
                    or re.match(r"^\S+\.py:\d+:\d+: ", line)]
    tick = lap("fix", tick)
    syntax_errors = compile_changed(python, tree, diff_stats["files"], env)

    # fix twice = fix once: a second run over the converted tree must change nothing.
    again = run(txasync_argv(python, "fix", "--select", SELECT, "--diff", ".",
                            extra=project.txasync_args), cwd=tree,
                env=env,
                log=logs / "fix-again.log", timeout=1800)
    second_diff = again.stdout
    if second_diff.strip():
        (base / "fix-again.diff").write_text(second_diff)

    after_findings = txasync_check(python, tree, env, logs / "check-after.json.log",
                                   extra=project.txasync_args)
    after_progress = txasync_progress(python, tree, env, logs / "progress-after.log",
                                      extra=project.txasync_args)
    after_ic = ic_counts(after_findings)
    tick = lap("check_after", tick)

    say(f"{project.slug}: test suite after")
    after = run_suite(project, python, env, base / "run-after", logs / "tests-after.log",
                      tree=tree)
    tick = lap("tests_after", tick)
    say(f"{project.slug}: after: {fmt_counts(after['counts'])}")
    changed = compare(before, after)
    if changed and rerun_changed:
        say(f"{project.slug}: {len(changed)} tests changed outcome; re-running them alone "
            f"{rerun_changed}x")
        ids = [c["test"] for c in changed if c["after"] != "MISSING"]
        reruns: list[dict[str, str]] = []
        for i in range(rerun_changed):
            if not ids:
                break
            again = run_suite(project, python, env, base / f"run-rerun{i}",
                              logs / f"tests-rerun{i}.log", tests=ids, jobs=1, tree=tree)
            reruns.append(again["outcomes"])
        for c in changed:
            seen = [r.get(c["test"], "MISSING") for r in reruns]
            c["reruns_after"] = seen
            c["confirmed"] = bool(seen) and all(s == c["after"] for s in seen)
        tick = lap("reruns", tick)

    converted = before_ic["ic_functions"] - after_ic["ic_functions"]
    share = converted / before_ic["ic_functions"] if before_ic["ic_functions"] else 1.0
    # The truth about refusals is what is still inlineCallbacks after the fix: `check` before
    # the fix also reports (as TXA002) functions that the fix converts by moving the body into
    # an async helper behind a Deferred-returning method.
    refusals = after_ic["refusals"]
    reasons = Counter(normalise_reason(r["reason"]) for r in refusals)
    before_keys = {(r["path"], r["function"]) for r in before_ic["refusals"]}
    after_keys = {(r["path"], r["function"]) for r in refusals}
    left_convertible = [f"{f['path']}:{f['line']} {f.get('function')}" for f in after_findings
                        if f["code"] == "TXA001"]
    audit = {
        "lost_yields": lost_yields(orig, tree),
        "never_awaited_before": never_awaited(base / "run-before"),
        "never_awaited_after": never_awaited(base / "run-after"),
    }
    result: dict[str, Any] = {
        "project": project.name,
        "dist": project.dist,
        "version": project.version,
        "twisted": versions[0] if versions else None,
        # The version conversions were made safe on, as txasync derived it, and from where.
        "target_twisted": target_twisted(before_progress),
        "txasync": versions[1] if len(versions) > 1 else None,
        "txasync_source": identity,
        "python": versions[2] if len(versions) > 2 else None,
        "imports_from": location,
        "tree": str(tree),
        "orig": str(orig),
        "venv": str(venv),
        "ic_before": before_ic["ic_functions"],
        "ic_after": after_ic["ic_functions"],
        "converted": converted,
        "converted_share": round(share, 4),
        "convertible_before": before_ic["convertible"],
        "txa002_before": before_ic["refused"],
        "delegated": len(before_keys - after_keys),
        "refused": len(refusals),
        "unknown_yields_before": before_ic["unknown_yields"],
        "select": SELECT,  # the codes check and fix selected
        "txasync_args": project.txasync_args,  # extra flags every txasync command got
        # TXA005/TXA006: functions found, convertible and converted, per rule
        "shapes": shape_counts(before_findings, after_findings),
        "findings_before": before_ic["codes"],
        "findings_after": after_ic["codes"],
        "progress_before": before_progress,
        "progress_after": after_progress,
        "refusals_by_reason": dict(reasons.most_common()),
        "residue": residue,
        "refusals": refusals,
        "refusals_without_reason": [r for r in refusals if not r["reason"].strip()],
        "left_convertible_after": left_convertible,
        "still_inlinecallbacks_after": [f"{p}:{q}" for p, q in sorted(ic_keys(after_findings))],
        "fix": {
            "returncode": fix_run.returncode,
            "summary": summary.group(0) if summary else None,
            "functions_converted": int(summary.group(1)) if summary else None,
            "wraps": int(summary.group(2)) if summary else None,
            "return_values_rewritten": int(summary.group(3)) if summary else None,
            "files_changed": int(summary.group(4)) if summary else None,
            "problems": fix_problems,
            "diff": diff_stats | {"files": len(diff_stats["files"])},
            "syntax_errors": syntax_errors,
            "second_run_changes": count_diff(second_diff)["files"] if second_diff.strip()
            else [],
        },
        "audit": audit,
        # Without probe evidence (what the README's columns show); with --probe, the
        # conversion measured with it is in probe.quality.
        "quality": probed.get("quality_without_evidence", quality),
        "tests_before": before["counts"],
        "tests_after": after["counts"],
        "expect_before": project.expect_before,
        "baseline_as_expected": all(before["counts"].get(k) == v
                                    for k, v in project.expect_before.items()),
        "changed": changed,
        "outcomes_before": before["outcomes"],
        "outcomes_after": after["outcomes"],
        "timings": timings,
        "seconds": round(time.monotonic() - t0, 1),
    }
    if probe:
        result["probe"] = {"quality": quality, "evidence": probed["evidence"],
                           "output": probed["probe_output"]}
    result["done"] = done_criteria(result)
    return result


def done_criteria(result: dict[str, Any]) -> dict[str, Any]:
    """The issue's done-when criteria (`ok`), and the audits reported beside them."""
    checks = {
        "no_test_changed_outcome": not result["changed"],
        "converted_share_at_least_85": result["converted_share"] >= MIN_CONVERTED_SHARE,
        "every_refusal_has_a_reason": (not result["refusals_without_reason"]
                                       and not result["left_convertible_after"]),
        "fix_ran_cleanly": (not result["fix"]["problems"] and not result["fix"]["syntax_errors"]
                            and result["fix"]["returncode"] in (0, 1)
                            and result["fix"]["summary"] is not None),
        "fix_twice_is_fix_once": not result["fix"].get("second_run_changes"),
        "suite_ran_before_and_after": (result["tests_before"].get("tests", 0) > 0
                                       and result["tests_after"].get("result") != "CRASHED"),
    }
    checks["ok"] = all(checks.values())
    audit = result["audit"]
    new_warnings = {k: v for k, v in audit["never_awaited_after"].items()
                    if k not in audit["never_awaited_before"]}
    checks["audit_clean"] = not audit["lost_yields"] and not new_warnings
    q = result.get("quality") or {}
    # Reported beside `ok`, not part of it: how reviewable the diff is (see quality_cell).
    checks["quality_goals"] = bool(q) and (
        q["added_lines_over_limit"] == 0 and q["lambda_of_lambda"] == 0
        and not q["new_import_findings"])
    return checks


def quality_cells(r: dict[str, Any]) -> list[str]:
    """maybeDeferred share, lines over the limit, new import findings, lambda-of-lambda."""
    q = r.get("quality")
    if not q:
        return ["?"] * 4
    imports = q["new_import_findings"]
    return [f"{q['maybe_deferred_lines']}/{q['awaiting_lines']} "
            f"({q['maybe_deferred_share']:.0%})",
            f"{q['added_lines_over_limit']} (>{q['line_length']})",
            "n/a" if imports is None else str(imports), str(q["lambda_of_lambda"])]


def overall_maybe_share(results: list[dict[str, Any]]) -> str:
    awaiting = sum(r["quality"]["awaiting_lines"] for r in results if r.get("quality"))
    maybe = sum(r["quality"]["maybe_deferred_lines"] for r in results if r.get("quality"))
    share = maybe / awaiting if awaiting else 0.0
    return f"maybeDeferred in {maybe} of {awaiting} awaiting lines ({share:.1%}; goal <= 10%)"


def overall_probe_share(results: list[dict[str, Any]]) -> str:
    """The maybeDeferred share over the probed projects, without and with evidence."""
    probed = [r for r in results if (r.get("probe") or {}).get("quality") and r.get("quality")]
    awaiting = sum(r["probe"]["quality"]["awaiting_lines"] for r in probed)
    without = sum(r["quality"]["maybe_deferred_lines"] for r in probed)
    with_ = sum(r["probe"]["quality"]["maybe_deferred_lines"] for r in probed)

    def share(n: int) -> str:
        return f"{n / awaiting:.1%}" if awaiting else "-"

    return (f"maybeDeferred over {len(probed)} probed projects: {without} of {awaiting} "
            f"awaiting lines without evidence ({share(without)}), {with_} with it "
            f"({share(with_)})")


def fmt_counts(c: dict[str, Any]) -> str:
    return (f"{c.get('result', '?')} ran={c.get('tests', 0)} ok={c.get('successes', 0)} "
            f"fail={c.get('failures', 0)} err={c.get('errors', 0)} skip={c.get('skips', 0)}"
            + (f" todo={c['expectedFailures']}" if c.get("expectedFailures") else ""))


# --------------------------------------------------------------------------------------------
# output


def summary_json(result: dict[str, Any]) -> dict[str, Any]:
    """The per-project summary (without the bulky per-test maps)."""
    skip = {"outcomes_before", "outcomes_after", "refusals"}
    out = {k: v for k, v in result.items() if k not in skip}
    out["changed"] = [{k: v for k, v in c.items()} for c in result.get("changed", [])]
    return out


_EXCEPTION_LINE = re.compile(r"^(?:[a-z_]\w*\.)*[A-Z]\w*(?::|$)")


def headline(details: list[dict[str, str]]) -> str:
    """The exception line of each traceback of a test, for the table."""
    lines = []
    for d in details:
        text = [ln.strip() for ln in d["detail"].splitlines() if ln.strip()]
        last_tb = max((i for i, ln in enumerate(text) if ln.startswith("Traceback")), default=-1)
        hits = [ln for ln in text[last_tb + 1:] if _EXCEPTION_LINE.match(ln)
                and not ln.startswith("File ")]
        pick = hits[0] if hits else (text[0] if text else d["kind"])
        if pick not in lines:
            lines.append(pick[:160])
    return " | ".join(lines)


def short_counts(c: dict[str, Any]) -> str:
    parts = [f"{c.get('successes', 0)} ok"]
    for key, label in (("failures", "fail"), ("errors", "err"), ("skips", "skip"),
                       ("expectedFailures", "todo"), ("unexpectedSuccesses", "unexp")):
        if c.get(key):
            parts.append(f"{c[key]} {label}")
    return f"{c.get('result', '?')} {c.get('tests', 0)}: " + ", ".join(parts)


def render(results: list[dict[str, Any]]) -> None:
    try:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table
    except ImportError:  # plain text
        for r in results:
            if "error" in r:
                print(f"{r['project']}: SETUP ERROR {r['error']}")
                continue
            print(f"{r['project']} {r['version']} (Twisted {r['twisted']}, target "
                  f"{target_cell(r)}): IC {r['ic_before']}"
                  f" -> {r['ic_after']} ({r['converted_share']:.1%} converted), keep-API "
                  f"{residue_cell(r)}, refused "
                  f"{r['refused']}, wraps {r['fix']['wraps']}, TXA004 "
                  f"{r['unknown_yields_before']}, before {fmt_counts(r['tests_before'])}, after "
                  f"{fmt_counts(r['tests_after'])}, changed {len(r['changed'])}, "
                  f"maybeDeferred/over limit/new import findings/lambda-of-lambda "
                  f"{' / '.join(quality_cells(r))}, "
                  f"done={r['done']['ok']} audit_clean={r['done']['audit_clean']}; "
                  f"converted/found: {shapes_cell(r)}")
        print(overall_maybe_share([r for r in results if "error" not in r]))
        for r in results:
            if "probe" in r:
                print(f"{r['project']} with probe evidence: awaiting lines / maybeDeferred "
                      f"without / with / uncertain yields never run / evidence on the rest: "
                      f"{' / '.join(probe_cells(r))}")
        if any("probe" in r for r in results):
            print(overall_probe_share(results))
        return
    console = Console(width=max(150, shutil.get_terminal_size((150, 40)).columns))
    table = Table(title="txasync on real projects", title_justify="left")
    for column in ("project", "Twisted", "target Twisted", "IC before", "IC after", "converted",
                   "of which delegated", "keep-API share (imprecise)", "refused", "wraps",
                   "TXA004", "tests before", "tests after", "changed", "done", "audit"):
        table.add_column(column, overflow="fold")

    cell = short_counts

    for r in results:
        if "error" in r:
            table.add_row(f"{r['project']}", *[""] * 14, "[red]setup error[/red]")
            continue
        ok, clean = r["done"]["ok"], r["done"]["audit_clean"]
        table.add_row(
            f"{r['project']} {r['version']}", str(r["twisted"]), escape(target_cell(r)),
            str(r["ic_before"]),
            str(r["ic_after"]), f"{r['converted']} ({r['converted_share']:.1%})",
            str(r["delegated"]), residue_cell(r), str(r["refused"]), str(r["fix"]["wraps"]),
            str(r["unknown_yields_before"]), cell(r["tests_before"]), cell(r["tests_after"]),
            str(len(r["changed"])), "[green]yes[/green]" if ok else "[red]no[/red]",
            "[green]clean[/green]" if clean else "[yellow]see below[/yellow]")
    console.print(table)
    review = Table(title="what a reviewer sees (without probe evidence; goals: <= 10% overall, "
                   "0, 0, 0)", title_justify="left")
    for column in ("project", "awaits through maybeDeferred", "added lines over the limit",
                   "new import findings (ruff I)", "lambda-of-lambda"):
        review.add_column(column, overflow="fold")
    for r in results:
        if "error" not in r:
            review.add_row(f"{r['project']} {r['version']}", *quality_cells(r))
    console.print(review)
    console.print(overall_maybe_share([r for r in results if "error" not in r]))
    if any("probe" in r for r in results):
        probed = Table(title="with `txasync probe` evidence from the suite before",
                       title_justify="left")
        for column in ("project", "awaiting lines (with)", "maybeDeferred without evidence",
                       "with evidence", "uncertain yields never run",
                       "evidence on the other uncertain yields", "tests before -> after"):
            probed.add_column(column, overflow="fold")
        for r in results:
            if "probe" in r:
                probed.add_row(f"{r['project']} {r['version']}", *map(escape, probe_cells(r)),
                               f"{short_counts(r['tests_before'])} -> "
                               f"{short_counts(r['tests_after'])}")
        console.print(probed)
        console.print(overall_probe_share(results))
    shapes = Table(title="opt-in rules: functions converted of those found (TXA005 "
                   "pass-throughs, TXA006 callback chains)", title_justify="left")
    for column in ("project", *SHAPE_RULES):
        shapes.add_column(column)
    for r in results:
        if "shapes" in r:
            shapes.add_row(f"{r['project']} {r['version']}", *(
                f"{c['converted']} of {c['found']} ({c['convertible']} convertible)"
                for c in r["shapes"].values()))
    console.print(shapes)
    for r in results:
        if "error" in r:
            console.print(f"[red]{escape(r['project'])}: {escape(r['error'])}[/red]")
            continue
        src = r.get("txasync_source", {})
        console.print(f"[bold]{r['project']}[/bold]: txasync {src.get('commit')} "
                      f"(engine edited since commit: {src.get('engine_edited_since_commit')}, "
                      f"sources {src.get('sources_sha256')}); fix: "
                      f"{escape(str(r['fix']['summary']))}; {r['seconds']}s")
        if r.get("shapes"):
            console.print(f"  opt-in rules, converted/found: {shapes_cell(r)}")
        failed = [k for k, v in r["done"].items()
                  if k not in ("ok", "audit_clean", "quality_goals") and not v]
        if failed:
            console.print(f"  [red]misses: {', '.join(failed)}[/red]")
        res = r.get("residue") or {}
        if res.get("keep_api_by_kind"):
            console.print(f"  keep a Deferred API: {res['keep_api']} "
                          f"({res['keep_api_share']:.0%}); by kind: " + escape(", ".join(
                              f"{k} {n}" for k, n in res["keep_api_by_kind"].items())))
            for cause in res.get("top_causes", [])[:5]:
                console.print(f"    {cause['count']:4d} {escape(cause['kind'])} "
                              f"{escape(cause['where'])}")
        if r["refusals_by_reason"]:
            t = Table(title=f"{r['project']}: {r['refused']} functions left as inlineCallbacks, "
                      "by reason", title_justify="left")
            t.add_column("n", justify="right")
            t.add_column("reason", overflow="fold")
            for reason, n in r["refusals_by_reason"].items():
                t.add_row(str(n), escape(reason))
            console.print(t)
        if r["changed"]:
            t = Table(title=f"{r['project']}: {len(r['changed'])} tests changed outcome",
                      title_justify="left")
            for column in ("test", "before", "after", "re-run alone", "why"):
                t.add_column(column, overflow="fold")
            for c in r["changed"]:
                t.add_row(c["test"], c["before"], c["after"],
                          " ".join(c.get("reruns_after", [])),
                          escape(headline(c["details_after"] or c["details_before"])))
            console.print(t)
        audit = r["audit"]
        for item in audit["lost_yields"]:
            console.print(f"  [yellow]lost yield[/yellow] {escape(item['path'])}:{item['line']} "
                          f"{escape(item['function'])}: yield {escape(item['yield'])}")
        for name, n in audit["never_awaited_after"].items():
            if name not in audit["never_awaited_before"]:
                console.print(f"  [yellow]never awaited after the fix[/yellow] {escape(name)}"
                              f" ({n}x)")
        if r["fix"]["problems"] or r["fix"]["syntax_errors"]:
            console.print(f"  [red]{r['project']}: fix problems:[/red]")
            for line in r["fix"]["problems"] + r["fix"]["syntax_errors"]:
                console.print("    " + line, markup=False, highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-p", "--project", action="append",
                        help="only this project (repeatable); default: all in the config")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                        help="where to write the JSON results")
    parser.add_argument("--txasync", type=Path, default=REPO,
                        help="the txasync checkout to install into each venv")
    parser.add_argument("--select", default=None,
                        help=f"the codes check and fix select (default: {SELECT})")
    parser.add_argument("--fresh-venv", action="store_true",
                        help="rebuild the venvs even when the pins are unchanged")
    parser.add_argument("--reruns", type=int, default=RERUNS,
                        help="re-run tests that changed outcome alone this many times")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: print the table from the last stored results")
    parser.add_argument("--full-json", action="store_true",
                        help="also store the per-test outcome maps in the results file")
    parser.add_argument("--probe", action="store_true",
                        help="run the suite before under `txasync probe` and convert with its "
                             "evidence; report the maybeDeferred share with and without it")
    parser.add_argument("--txasync-python", type=Path,
                        help="run txasync with this interpreter (as when it is installed in "
                             "its own venv or with pipx); default: the project's venv")
    args = parser.parse_args(argv)
    if args.select:
        globals()["SELECT"] = args.select
    global TXASYNC_PYTHON
    TXASYNC_PYTHON = args.txasync_python

    projects = load_config(args.config)
    names = args.project or list(projects)
    unknown = [n for n in names if n not in projects]
    if unknown:
        parser.error(f"unknown project {unknown[0]!r}; known: {', '.join(projects)}")
    cache = args.cache_dir.expanduser().resolve()
    cache.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        stored_results = []
        for name in names:
            path = cache / "work" / projects[name].slug / "result.json"
            if path.exists():
                stored_results.append(json.loads(path.read_text()))
        render(stored_results)
        return 0 if stored_results and all(r["done"]["ok"] for r in stored_results) else 1
    results: list[dict[str, Any]] = []
    setup_failed = False
    for name in names:
        project = projects[name]
        try:
            result = run_project(project, cache, args.txasync.resolve(), args.fresh_venv,
                                 args.reruns, probe=args.probe)
            # the full per-test maps always go next to the trees, for digging in
            (cache / "work" / project.slug / "result.json").write_text(
                json.dumps(result, indent=2))
        except SetupError as exc:
            setup_failed = True
            say(f"{project.slug}: SETUP ERROR: {exc}")
            result = {"project": name, "version": project.version, "error": str(exc)}
        results.append(result)

    previous: dict[str, Any] = {}
    if args.results.exists():
        try:
            previous = json.loads(args.results.read_text()).get("projects", {})
        except (ValueError, AttributeError):
            previous = {}
    stored = {r["project"]: (r if args.full_json or "error" in r else summary_json(r))
              for r in results}
    payload = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cache_dir": str(cache),
        "criteria": {"min_converted_share": MIN_CONVERTED_SHARE},
        "projects": {**previous, **stored},
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(payload, indent=2) + "\n")
    render(results)
    say(f"results: {args.results} (full per-test maps: {cache}/work/*/result.json)")
    if setup_failed:
        return 2
    return 0 if all(r["done"]["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
