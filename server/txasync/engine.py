"""The engine's public face: read files, gather facts, decide, and produce findings and edits.

The CLI and the language server call these functions and nothing below them, so both always
agree on what is convertible and why. Reading is defensive: a file that cannot be read,
decoded or parsed becomes an error entry, never an exception that stops the run.
"""

from __future__ import annotations

import copy
import gc
import io
import os
import pickle
import tokenize
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, TypeVar

from . import check_cache, facts_cache
from .analysis.aliases import generator_aliases_for, modules_by_name
from .analysis.deferred_plan import shape_code
from .analysis.evidence import Evidence, load_evidence
from .analysis.facts import extract_facts, module_name_for
from .analysis.findings import ConvertFunction, FilePlan, Finding, Wrap
from .analysis.hazards import Hazard, HazardContext
from .analysis.index import Workspace, library_reads, use_library_path
from .analysis.index import function_key as function_key  # a function's key, for callers
from .analysis.model import GeneratorAlias, ModuleFacts, Span
from .analysis.plan import Decision, Planner, file_plans
from .analysis.public_api import public_kept as public_kept  # for the CLI summary
from .analysis.reasons import Reason
from .check_cache import CheckResult
from .config import Config
from .environment import is_venv
from .errors import FileInternalError, reraise_interrupt
from .noqa import suppressed
from .rules import decision_findings, find_hazards
from .rules import txa001_inlinecallbacks_convertible as convertible
from .rules import txa002_inlinecallbacks_blocked as blocked
from .rules import txa003_returnvalue as returnvalue
from .rules import txa010_coroutine_yielded_in_inlinecallbacks as coroutine_yielded

if TYPE_CHECKING:  # libcst loads only when an edit is made (server start-up stays fast)
    from .rewrite.convert import RewriteResult

SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env",
                       "__pycache__", "node_modules", "build", "dist", ".mypy_cache",
                       ".pytest_cache", ".ruff_cache", "_trial_temp", ".eggs"})
_T = TypeVar("_T")

# Files far larger than any hand-written module are skipped rather than slowing every run.
MAX_FILE_BYTES = 5 * 1024 * 1024
# Facts are only worth a parse where an inlineCallbacks function or a caller could be.
PARALLEL_THRESHOLD = 64


class SourceError(Exception):
    """A file could not be read or decoded; the message is meant for the user."""


@dataclass
class Source:
    path: str
    text: str
    encoding: str
    newline_bytes: bytes = b""


def read_source(path: str) -> Source:
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise SourceError(f"{path}:1:1: skipped: larger than {MAX_FILE_BYTES // 2**20} MiB")
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise SourceError(f"{path}:1:1: cannot read: {exc.strerror or exc}") from None
    if b"\x00" in data:
        raise SourceError(f"{path}:1:1: cannot read: binary file (NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"{path}:1:1: cannot decode: {exc}") from None
    return Source(path, text, encoding)


def discover(paths: Iterable[str], config: Config) -> tuple[list[str], list[str]]:
    """Python files under `paths`, and the paths that do not exist."""
    found: list[str] = []
    missing: list[str] = []
    for path in paths:
        if not os.path.exists(path):
            missing.append(path)
            continue
        if os.path.isfile(path):
            found.append(os.path.abspath(path))
            continue
        for directory, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not skipped_directory(d)
                             and not _installed_tree(os.path.join(directory, d))
                             and not config.is_excluded(os.path.join(directory, d)))
            for name in sorted(files):
                if name.endswith(".py"):
                    full = os.path.abspath(os.path.join(directory, name))
                    if not config.is_excluded(full):
                        found.append(full)
    return sorted(set(found)), missing


def skipped_directory(name: str) -> bool:
    """Whether discovery skips a directory by its name (tool caches, VCS metadata, build
    output, hidden directories): the rule every walk of a project's files uses (discovery,
    the editor's file events, the history's commits)."""
    return name in SKIP_DIRS or name.startswith(".")


def _installed_tree(directory: str) -> bool:
    """A virtual environment (any name: it holds `pyvenv.cfg`) or an installation directory:
    installed libraries, not the project's code."""
    return os.path.basename(directory) in ("site-packages", "dist-packages") or is_venv(
        directory)


FactsJob = tuple[str, ModuleFacts | None, Source | None, str | None, str | None]
# What a worker sends back: `FactsJob` with the facts pickled (see `_pickled_facts_job`).
PickledFactsJob = tuple[str, bytes | None, Source | None, str | None, str | None]


def _facts_job(path: str, cache_root: str | None = None, parse: bool = True
               ) -> FactsJob | None:
    """One file's source and facts (or the error that left it out), and the key of its
    facts in the facts cache when `cache_root` names a project root whose cache to use.
    Without `parse`, None where the cache does not hold the file's facts."""
    found = _read_facts(path, cache_root, parse)
    return found[0] if found is not None else None


def _pickled_facts_job(path: str, cache_root: str | None = None) -> PickledFactsJob:
    """`_facts_job` in a worker process: the facts go back to the parent pickled once,
    as the bytes written to the facts cache. Sent as objects, they were pickled a second
    time on the way (a tenth of a worker's time on the editor's cold start, which keeps
    the cache). The parent loads them with `_unpickled`."""
    found = _read_facts(path, cache_root, True)
    assert found is not None
    (path, facts, source, error, key), data = found
    if facts is not None and data is None:
        data = facts_cache.dumps(facts)
        if data is None:  # a bug in txasync: this file is left out, by name
            cause = TypeError("its facts cannot be pickled")
            return path, None, None, _internal_error(path, "reading", cause), None
    return path, data, source, error, key


def _unpickled(found: PickledFactsJob) -> FactsJob:
    path, data, source, error, key = found
    facts = pickle.loads(data) if data is not None else None  # noqa: S301 - our worker's
    return path, facts, source, error, key


def _read_facts(path: str, cache_root: str | None, parse: bool
                ) -> tuple[FactsJob, bytes | None] | None:
    """`_facts_job`, with the pickled facts when it stored them in the cache."""
    try:
        source = read_source(path)
    except SourceError as exc:
        return (path, None, None, str(exc), None), None
    key = None
    try:
        module, is_package = module_name_for(path)
        if cache_root is not None:
            key = facts_cache.facts_key(source.text, path, module, is_package)
            facts = facts_cache.load(cache_root, key, path)
            if facts is not None:
                return (path, facts, source, None, key), None
        if not parse:
            return None
        facts = extract_facts(source.text, path, module, is_package)
    except Exception as exc:  # a bug in txasync: this file is left out, by name
        reraise_interrupt(exc)
        return (path, None, None, _internal_error(path, "reading", exc), None), None
    data = None
    if cache_root is not None and key is not None:
        data = facts_cache.dumps(facts)
        facts_cache.store(cache_root, key, facts, data)
    return (path, facts, source, None, key), data


def _internal_error(path: str, doing: str, exc: BaseException) -> str:
    return (f"{path}:1:1: internal error while {doing} this file (left out of the run; "
            f"please report it): {type(exc).__name__}: {exc}{_debug_detail()}")


@dataclass
class Project:
    """One analysis run over a set of files."""

    config: Config
    sources: dict[str, Source] = field(default_factory=dict)
    facts: dict[str, ModuleFacts] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    workspace: Workspace = field(default_factory=lambda: Workspace([]))
    # Files whose text no longer parses; their facts are the last good ones.
    stale: set[str] = field(default_factory=set)
    oracle: Any = None  # JediOracle when `jedi = true`; kept across index rebuilds
    stale_evidence: list[str] = field(default_factory=list)  # edited since `txasync probe`
    evidence: Evidence | None = None  # the current one, if `txasync probe` recorded any
    # path -> (the workspace's candidate list for it, its facts, those not suppressed):
    # valid while both are the same objects (see `_unsuppressed_candidates`).
    allowed_memo: dict[str, tuple[list[str], ModuleFacts, set[str]]] = field(
        default_factory=dict, repr=False, compare=False)

    def parse_errors(self) -> dict[str, str]:
        errors = dict(self.errors)
        for path, facts in self.facts.items():
            if facts.error is not None:
                errors[path] = f"{path}:{facts.error}"
        return errors


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a phase builds many long-lived objects.

    Facts, the index and the plan are millions of small acyclic objects that live for the
    whole run; each collection of the oldest generation walks all of them again, which made
    a third of a cold check's time. Reference counting still frees what is dropped; the
    collector resumes (as it was) when the phase ends, so a long-lived server is unchanged
    between phases."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _parallel(items: list[str], jobs: int) -> bool:
    return jobs > 1 and len(items) >= PARALLEL_THRESHOLD


def _in_workers(job: Callable[[str], _T], items: list[str], jobs: int) -> Iterator[_T]:
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(job, items, chunksize=16)


def release_workers() -> None:
    """Stop the helper processes a parallel load leaves running: the forkserver the workers
    were forked from and the resource tracker (together 25 MB on Twisted's tree). A
    long-lived caller calls this after loading: the language server loads in parallel
    once, then runs for hours. A later parallel load starts them again. They are the
    standard library's own handles (private, so looked up with care); a failure to stop
    one leaves it running, as before."""
    from multiprocessing import forkserver, resource_tracker

    for owner in (forkserver._forkserver, resource_tracker._resource_tracker):
        stop = getattr(owner, "_stop", None)
        if stop is None:
            continue
        try:
            stop()
        except Exception:  # best effort: only memory is at stake
            continue


def load_project(files: list[str], config: Config, jobs: int = 1,
                 overlays: dict[str, str] | None = None, cached_facts: bool = False
                 ) -> Project:
    """Facts for every file; `overlays` gives unsaved editor text for some paths.

    With `cached_facts`, a file whose facts the facts cache (facts_cache.py, under the
    project root) holds for its exact text is not parsed, and the facts of those that are
    parsed are kept there: the same facts either way, so the same findings; the server's
    start can ask for it too."""
    project = Project(config)
    overlays = overlays or {}
    disk = [p for p in files if p not in overlays]
    job = partial(_facts_job, cache_root=config.root) if cached_facts else _facts_job
    used: list[str] = []
    with gc_paused():
        done: dict[str, FactsJob] = {}
        todo = disk
        if cached_facts and _parallel(disk, jobs):
            # Facts the cache holds are read here: from a worker they would be read, then
            # pickled again to come back. Only the files to parse go to the workers.
            todo = []
            for path in disk:
                hit = _facts_job(path, config.root, parse=False)
                if hit is None:
                    todo.append(path)
                else:
                    done[path] = hit
        if _parallel(todo, jobs):
            sent = partial(_pickled_facts_job, cache_root=config.root if cached_facts else None)
            for pickled in _in_workers(sent, todo, jobs):
                done[pickled[0]] = _unpickled(pickled)
        else:
            for path in todo:
                result = job(path)
                assert result is not None
                done[path] = result
        for path in disk:  # in the order given, whoever read them
            path, facts, source, error, key = done[path]
            if key is not None:
                used.append(key)
            if error is not None:
                project.errors[path] = error
                continue
            assert source is not None and facts is not None
            project.sources[path] = source
            project.facts[path] = facts
        if cached_facts:
            facts_cache.prune(config.root, used)
        for path, text in overlays.items():
            module, is_package = module_name_for(path)
            project.sources[path] = Source(path, text, "utf-8")
            project.facts[path] = extract_facts(text, path, module, is_package)
        use_library_path(config.library_path)
        project.workspace = Workspace(f for f in project.facts.values() if f.error is None)
    attach_oracle(project)
    return project


def attach_oracle(project: Project) -> None:
    """Give the index jedi as a second opinion when the configuration asks for it."""
    if project.config.jedi:
        from .analysis.jedi_oracle import JediOracle

        if project.oracle is None:
            project.oracle = JediOracle(project.config.root,
                                        {p: s.text for p, s in project.sources.items()})
        else:
            project.oracle.sources = {p: s.text for p, s in project.sources.items()}
        project.workspace.oracle = project.oracle


def _suppressed(finding: Finding, facts: ModuleFacts) -> bool:
    return suppressed(facts.noqa, finding.span.line, finding.code)


def current_evidence(project: Project) -> Evidence | None:
    """`txasync probe`'s evidence for this project, without files edited since the run."""
    evidence = load_evidence(project.config.root)
    if evidence is None:
        return None
    stale = evidence.stale_files({p: s.text for p, s in project.sources.items()})
    project.stale_evidence = sorted(stale)
    project.evidence = evidence.without(stale) if stale else evidence
    return project.evidence


def covered_by_tests(project: Project, key: str) -> bool | None:
    """Whether the project's test run (as recorded by `txasync probe`) ran the function;
    None when there is no evidence for it."""
    evidence = project.evidence
    found = project.workspace.functions.get(key)
    if evidence is None or found is None:
        return None
    facts, fn = found
    return evidence.ran(facts.path, fn.qualname)


def current_verdicts(project: Project) -> dict[str, Reason]:
    """Functions `txasync fix --verify` found a test to break when converted, whose source
    and test are unchanged since (verify/verdicts.py): key -> the reason to report."""
    from .verify.verdicts import load_verdicts, valid_verdicts

    verdicts = load_verdicts(project.config.root)
    if not verdicts:
        return {}
    held = valid_verdicts(verdicts, project.facts, project.workspace.functions,
                          {p: s.text for p, s in project.sources.items()},
                          project.config.root)
    return {key: verdict.reason() for key, verdict in held.items()}


def make_planner(project: Project) -> Planner:
    """The planner with everything the project's test runs taught: evidence and verdicts."""
    return Planner(project.workspace, project.config, current_evidence(project),
                   current_verdicts(project))


@dataclass
class Analysis:
    decisions: dict[str, Decision]
    findings: list[Finding]
    hazards: list[Hazard] = field(default_factory=list)
    # Made from facts alone: no jedi (which reads every text), no `txasync probe` evidence
    # and no `fix --verify` verdicts (both checked against the files' texts). Only such an
    # analysis may stand for a text whose facts are the same (`reusable_analysis`).
    facts_only: bool = False


def use_environment(project: Project) -> None:
    """Read library classes from the project's interpreter (config.library_path)."""
    if use_library_path(project.config.library_path):
        project.workspace = Workspace(project.workspace.modules.values())
        attach_oracle(project)


def _unsuppressed_candidates(project: Project) -> set[str]:
    """`_unsuppressed` of every candidate, remembered per file: what one file allows
    depends on nothing but its facts (its `# noqa` comments) and its list of candidates,
    so a keystroke checks the edited file's functions again, not the workspace's."""
    allowed: set[str] = set()
    memo = project.allowed_memo
    for facts, keys in project.workspace.candidates_by_file():
        hit = memo.get(facts.path)
        if hit is None or hit[0] is not keys or hit[1] is not facts:
            hit = memo[facts.path] = (keys, facts, _unsuppressed(project, keys))
        allowed |= hit[2]
    return allowed


def _unsuppressed(project: Project, keys: Iterable[str]) -> set[str]:
    """The inlineCallbacks functions among `keys` whose definition line has no `# noqa` for
    the convertible rule (a suppressed function is not converted either)."""
    allowed: set[str] = set()
    for key in keys:
        found = project.workspace.functions.get(key)
        if found is None or not (found[1].is_ic or found[1].shape is not None):
            continue
        facts, fn = found
        code = convertible.RULE.code if fn.is_ic else shape_code(
            fn.shape.kind)  # type: ignore[union-attr]
        if not suppressed(facts.noqa, fn.name_span.line, code):
            allowed.add(key)
    return allowed


def check_files(files: list[str], config: Config, jobs: int = 1, use_cache: bool = True
                ) -> CheckResult:
    """`txasync check`'s answer for `files`: read back from the check cache when no input
    changed since the last check (check_cache.py), else analysed and kept for next time.
    Without `use_cache`, or with jedi on (whose answers the cache key does not cover), it is
    always analysed afresh. With `use_cache`, the facts of files whose text is unchanged are
    read from the facts cache (facts_cache.py; jedi or not: facts do not depend on it)."""
    key = None
    if use_cache and not config.jedi:
        key = check_cache.inputs_key(files, config)
        cached = check_cache.load(config.root, key)
        if cached is not None:
            return cached
    with gc_paused():
        project = load_project(files, config, jobs=jobs, cached_facts=use_cache)
        analysis = analyse(project)
    result = _check_result(project, analysis)
    if key is not None:
        check_cache.store(config.root, key, result, library_reads())
    return result


def _check_result(project: Project, analysis: Analysis) -> CheckResult:
    return CheckResult(analysis.findings, project.parse_errors(), len(project.sources),
                       list(project.stale_evidence), public_kept(analysis.decisions.values()),
                       analysis)


def stored_check(files: list[str], config: Config) -> tuple[str, CheckResult | None] | None:
    """The key of `files` as they are on disk now, and the check result stored for exactly
    those inputs (by `txasync check` or by the language server), if any. None when no
    result could be stored for this configuration (jedi reads texts the key does not cover).

    The server publishes such a result while it indexes: the same findings a fresh analysis
    would give, since every input the analysis reads is in the key (check_cache.py)."""
    if config.jedi:
        return None
    key = check_cache.inputs_key(files, config)
    return key, check_cache.load(config.root, key)


def store_check(project: Project, analysis: Analysis, key: str, files: list[str]) -> bool:
    """Keep the whole analysis of `project` as the check result for `key`, the key
    `stored_check` gave for `files` on disk before `project` was read from them, for the
    next start or `txasync check`. Not when the files' key is no longer `key`: one changed
    on disk meanwhile, and the analysis may be of either text."""
    if project.config.jedi or check_cache.inputs_key(files, project.config) != key:
        return False
    return check_cache.store(project.config.root, key, _check_result(project, analysis),
                             library_reads())


def analyse(project: Project, only: set[str] | None = None,
            exclude: set[str] | None = None,
            should_stop: Callable[[], bool] | None = None) -> Analysis:
    """Decide every inlineCallbacks function and report findings (noqa and config applied).

    `only` restricts the functions that may convert; `exclude` keeps some unconverted
    (callers are planned for them as they are). A bug met in one file's analysis leaves
    that file out of the run (reported as an error naming it, like a file that does not
    parse) instead of stopping the run. `should_stop` is asked between functions; when it
    says so, the run raises `Superseded` (the editor gives up a pass its next edit made
    stale, rather than finish it before starting the one that matters)."""
    use_environment(project)
    while True:
        try:
            return _analyse(project, only, exclude, should_stop)
        except FileInternalError as exc:
            if exc.path not in project.facts:
                raise
            project.errors[exc.path] = _internal_error(exc.path, "analysing", exc.cause)
            project.facts.pop(exc.path, None)
            project.sources.pop(exc.path, None)
            project.workspace = Workspace(f for f in project.facts.values() if f.error is None)
            attach_oracle(project)


def _analyse(project: Project, only: set[str] | None, exclude: set[str] | None,
             should_stop: Callable[[], bool] | None = None) -> Analysis:
    config = project.config
    # Asked before the planner reads evidence and verdicts, and checked against what it
    # read: a file appearing or going in between never makes an analysis look text-free.
    facts_only = _facts_only(project)
    planner = make_planner(project)
    facts_only = facts_only and planner.evidence is None and not planner.refused
    planner.should_stop = should_stop
    allowed = _unsuppressed_candidates(project)
    if only is not None:
        allowed &= only
    if exclude:
        allowed -= exclude
    decisions = planner.decide(allowed)
    planner.check_stop()
    enabled = lru_cache(maxsize=None)(config.code_enabled)  # (code, path): a few of each
    findings: list[Finding] = []
    for decision in decisions.values():
        for finding in decision_findings(decision):
            facts = decision.facts
            if not enabled(finding.code, facts.path) or _suppressed(finding, facts):
                continue
            findings.append(finding)
    hazards = []
    for hazard in find_hazards(HazardContext(project.workspace, config)):
        facts = project.facts[hazard.finding.path]
        if enabled(hazard.finding.code, facts.path) and not _suppressed(
                hazard.finding, facts):
            hazards.append(hazard)
            findings.append(hazard.finding)
    findings.sort(key=Finding.sort_key)
    return Analysis(decisions, findings, hazards, facts_only)


def _facts_only(project: Project) -> bool:
    """Whether analysing `project` reads nothing but its facts and configuration: no jedi,
    and no evidence or verdicts file at all (whether one of their entries holds depends on
    the texts: an undo can make a verdict hold again)."""
    from .verify.verdicts import load_verdicts

    root = project.config.root
    return (not project.config.jedi and load_evidence(root) is None
            and not load_verdicts(root))


def reusable_analysis(before: Project, analysis: Analysis, now: Project) -> Analysis | None:
    """`analysis` (of `before`) when it is exactly what analysing `now` would give, else None.

    An analysis is a function of the facts, the index made from them and the configuration
    (plus, when present, texts through jedi, probe evidence and verify verdicts). An edit
    whose new facts equal the old ones exactly (a comment, a docstring's prose, trailing
    blanks: `update_file` then keeps the old facts object and the index) changes none of
    them, so the previous analysis is that of the new text too, positions and messages
    included; so is a syntax error while typing, which keeps the last good facts (the
    analysis never reads which files are stale: only the editor's presentation does).
    Checked by identity: every file's facts and the index must be the very objects `before`
    was analysed with, the configuration equal, and neither evidence nor verdicts on disk
    now (their validity depends on the texts)."""
    if not analysis.facts_only or now.config.jedi:
        return None
    if now.workspace is not before.workspace or now.config != before.config:
        return None
    if now.facts.keys() != before.facts.keys():
        return None
    if any(now.facts[path] is not facts for path, facts in before.facts.items()):
        return None
    return analysis if _facts_only(now) else None


@dataclass
class FixOutcome:
    path: str
    result: RewriteResult | None = None
    error: str | None = None
    original: str = ""


def plans_for(project: Project, analysis: Analysis, safe_only: bool = False,
              only: set[str] | None = None) -> dict[str, FilePlan]:
    """Every file's edits for `analysis`. With `only` (the keys `fix --only` or "Convert to
    async" named), nothing but the conversion of those functions and the wraps of their
    callers: no returnValue rewrite elsewhere, no hazard wrap of another async function."""
    if only is not None:
        return _only_plans(project, analysis, only)
    config = project.config
    # Conversions follow the codes the user selected (see _conversion_code).
    decisions = {k: d for k, d in analysis.decisions.items()
                 if not d.changes or config.code_enabled(_conversion_code(d), d.facts.path)}
    plans = file_plans(decisions, convert=not safe_only)
    changing = {k for k, d in analysis.decisions.items() if d.changes and not safe_only}
    for hazard in analysis.hazards:
        path = hazard.finding.path
        module = project.facts[path].module
        if hazard.wrap is not None:
            if (hazard.finding.code == coroutine_yielded.RULE.code
                    and function_key(module, hazard.finding.function) in changing):
                continue  # the enclosing function becomes async: the yield becomes an await
            plans.setdefault(path, FilePlan(path)).wraps.append(hazard.wrap)
        elif hazard.rename is not None and not safe_only:
            plan = plans.setdefault(path, FilePlan(path))
            plan.renames.append(hazard.rename)
            if hazard.defer_arg is not None:
                plan.lambdas.append(hazard.defer_arg)
        elif hazard.split is not None and not safe_only:
            plans.setdefault(path, FilePlan(path)).convert.append(
                ConvertFunction(hazard.split, keep_api=True))
    for plan in plans.values():
        unique = {(w.span, w.kind): w for w in plan.wraps}
        plan.wraps = sorted(unique.values(), key=lambda w: w.span)
    for path, plan in plans.items():
        facts = project.facts.get(path)
        if not config.code_enabled(returnvalue.RULE.code, path) and facts is not None:
            plan.return_values = []
        elif facts is not None:
            plan.return_values = [s for s in plan.return_values
                                  if not suppressed(facts.noqa, s.line, returnvalue.RULE.code)]
    plans = {p: plan for p, plan in plans.items() if not plan.is_empty()}
    name_helpers(project, plans)
    return plans


def _conversion_code(decision: Decision) -> str:
    """The code whose selection turns a conversion on: a pass-through's or a chain's own; a
    plain one is the convertible rule's, one that keeps the Deferred API for callers' sake is
    the blocked rule's fix."""
    if decision.shape is not None:
        return shape_code(decision.shape.kind)
    rule = blocked.RULE if decision.keep_api and decision.caller_reasons else convertible.RULE
    return rule.code


def _only_plans(project: Project, analysis: Analysis, only: set[str]) -> dict[str, FilePlan]:
    config = project.config
    wanted = {k for k in only if k in analysis.decisions and analysis.decisions[k].changes
              and config.code_enabled(_conversion_code(analysis.decisions[k]),
                                      analysis.decisions[k].facts.path)}
    plans: dict[str, FilePlan] = {}
    for path, plan in file_plans({k: analysis.decisions[k] for k in wanted}).items():
        facts = project.facts.get(path)
        if facts is None:
            continue
        convert = [c for c in plan.convert if function_key(facts.module, c.qualname) in wanted]
        wraps = [w for w in plan.wraps if w.target in wanted]
        if convert or wraps:
            plans[path] = FilePlan(path, convert=convert, wraps=wraps)
    name_helpers(project, plans)
    return plans


@dataclass
class ConversionPlan:
    """What converting exactly some functions does: the one answer hover, code lens and the
    "Convert to async" edit all read (and `fix --only`)."""

    analysis: Analysis
    plans: dict[str, FilePlan]
    converted: list[str]  # keys the plans convert
    refused: dict[str, str]  # key -> why it is not converted

    def wraps_for(self, key: str) -> list[tuple[str, Wrap]]:
        """The call sites converting `key` wraps, each once, in path and position order."""
        return sorted(((path, w) for path, plan in self.plans.items() for w in plan.wraps
                       if w.target == key), key=lambda pw: (pw[0], pw[1].span))


def conversion_plan(project: Project, keys: set[str]) -> ConversionPlan:
    """Plans that convert exactly `keys` and wrap the callers that then need it, nothing
    else (the keys' callers in other inlineCallbacks functions stay generators, so a call
    they yield is wrapped)."""
    # Only the named functions are decided (the others stay as they are, so they cannot
    # change the answer): cheap enough for a code lens per function.
    planner = make_planner(project)
    analysis = Analysis(planner.decide(_unsuppressed(project, keys), among=set(keys)), [])
    converted = sorted(k for k in keys
                       if k in analysis.decisions and analysis.decisions[k].changes)
    refused = {}
    for key in sorted(set(keys) - set(converted)):
        decision = analysis.decisions.get(key)
        if decision is None:
            refused[key] = "it is not an inlineCallbacks function (any more)"
        else:
            reasons = decision.all_reasons
            refused[key] = str(reasons[0]) if reasons else "it is not selected"
    return ConversionPlan(analysis, plans_for(project, analysis, only=set(keys)),
                          converted, refused)


def name_helpers(project: Project, plans: dict[str, FilePlan]) -> None:
    """Give every keep-API conversion in `plans` a helper name no binding it could meet uses.

    For a method that is the identifiers of every file holding a class of its workspace
    hierarchy (bases and subclasses), its library bases' methods, and the helpers already
    named in that hierarchy; elsewhere the identifiers of its file and that file's helpers
    (see rewrite/helpers.py). The order is fixed, so the same input gives the same names."""
    from .analysis.index import external_class
    from .rewrite.helpers import TextNames, base_name, choose

    workspace = project.workspace
    chosen_in_class: dict[str, list[tuple[str, str]]] = {}  # class key -> (qualname, helper)
    chosen_in_file: dict[str, list[tuple[str, str]]] = {}

    def text_of(path: str) -> str:
        source = project.sources.get(path)
        return source.text if source is not None else ""

    for path in sorted(plans):
        facts = project.facts.get(path)
        if facts is None:
            continue
        for conv in sorted(plans[path].convert, key=lambda c: c.qualname):
            fn = facts.function(conv.qualname)
            if not conv.keep_api or conv.helper or fn is None:
                continue
            names = TextNames()
            names.texts[path] = text_of(path)
            if not fn.class_qualname:
                mine = chosen_in_file.setdefault(path, [])
                conv.helper = choose(base_name(fn), "", names, mine)
                mine.append(("", conv.helper))
                continue
            own = function_key(facts.module, fn.class_qualname)
            family = [own, *workspace.ancestors(own), *workspace.subclasses(own)]
            chosen: list[tuple[str, str]] = []
            for key in family:
                if key in workspace.classes:
                    where = workspace.classes[key][0].path
                    names.texts[where] = text_of(where)
                else:
                    ext = external_class(key)
                    names.names |= set(ext.methods) if ext is not None else set()
                chosen += chosen_in_class.get(key, [])
            conv.helper = choose(base_name(fn), fn.class_qualname, names, chosen)
            chosen_in_class.setdefault(own, []).append((fn.class_qualname, conv.helper))


def _rewrite_job(args: tuple[str, str, FilePlan, ModuleFacts, str, str,
                                 dict[str, GeneratorAlias], frozenset[str]]) -> FixOutcome:
    from .rewrite.convert import InternalRewriteError, RewriteError, rewrite_source

    path, text, plan, facts, format_choice, python, aliases, read_elsewhere = args
    try:
        return FixOutcome(path, rewrite_source(text, plan, facts, path, format_choice, python,
                                               aliases, read_elsewhere=read_elsewhere),
                          original=text)
    except InternalRewriteError as exc:
        return FixOutcome(path, error=f"{path}:{exc}{_debug_detail()}", original=text)
    except RewriteError as exc:
        return FixOutcome(path, error=f"{path}:{exc}", original=text)
    except Exception as exc:  # a bug in txasync must not lose the user's other files
        reraise_interrupt(exc)
        return FixOutcome(path, error=f"{path}:1:1: internal error while rewriting: "
                                      f"{type(exc).__name__}: {exc}{_debug_detail()}",
                          original=text)


def _debug_detail() -> str:
    """The traceback being handled, for TXASYNC_DEBUG=1 (else nothing)."""
    if not os.environ.get("TXASYNC_DEBUG"):
        return ""
    import traceback

    return "\n" + traceback.format_exc()


def compute_fixes(project: Project, plans: dict[str, FilePlan], jobs: int = 1
                  ) -> list[FixOutcome]:
    config = project.config
    modules = modules_by_name(project.facts.values())
    # An import the rewrite leaves unused stays while another module reads it from here.
    work = [(p, project.sources[p].text, plan, project.facts[p], config.format_changed,
             config.target_python, generator_aliases_for(project.facts[p], modules),
             project.workspace.read_elsewhere(project.facts[p].module))
            for p, plan in sorted(plans.items())]
    if jobs <= 1 or len(work) < 8:
        return [_rewrite_job(w) for w in work]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_rewrite_job, work))


@dataclass(frozen=True)
class LeftOut:
    """A function not converted in this run because a file its conversion edits could not
    be rewritten: the function's own file, or a file with a call site it needs wrapped."""

    key: str
    path: str  # the file that could not be rewritten
    error: str  # why, as reported for that file (`path:line:col: ...`)


@dataclass
class FixRun:
    """What `fix_project` planned and rewrote, after leaving out what could not be done."""

    analysis: Analysis
    plans: dict[str, FilePlan]
    outcomes: list[FixOutcome]  # one per planned file, in path order
    left_out: list[LeftOut] = field(default_factory=list)


def functions_needing(project: Project, plan: FilePlan) -> set[str]:
    """The functions whose conversion needs an edit in `plan`'s file: the ones it converts
    and the ones whose callers in it it wraps."""
    facts = project.facts.get(plan.path)
    keys = {w.target for w in plan.wraps if w.target}
    if facts is not None:
        keys |= {function_key(facts.module, c.qualname) for c in plan.convert}
    return keys


def fix_project(project: Project, only: set[str] | None = None, safe_only: bool = False,
                jobs: int = 1, exclude: set[str] | None = None,
                rewrites: dict[str, tuple[FilePlan, FixOutcome]] | None = None) -> FixRun:
    """Plan and rewrite the whole project so that every file that rewrites can be written.

    A conversion is an edit in several files (the function's own, and its callers' wraps):
    writing some of them without the others leaves callers wrapping a function that is
    still a generator, or awaiting code that now gets a coroutine. So when a file cannot be
    rewritten (the rewrite fails or would not compile), every function that needed an edit
    there is left out and the project is planned again, until every planned file rewrites
    or the failing ones need no function at all (their other fixes are local to them).
    Files whose plan did not change are not rewritten again. `exclude`: functions to keep
    unconverted this run (`fix --verify` taking back a conversion a test disproved).
    `rewrites` keeps each file's last plan and rewrite across calls on the same project
    (`fix --verify` plans many candidate trees that differ in a few files)."""
    candidates = project.workspace.candidates()
    if only is not None:
        candidates &= only
    if exclude:
        candidates -= exclude
    left: dict[str, LeftOut] = {}
    done: dict[str, tuple[FilePlan, FixOutcome]] = {} if rewrites is None else rewrites
    while True:
        analysis = analyse(project, only=(only if not left else candidates - set(left)),
                           exclude=exclude)
        plans = plans_for(project, analysis, safe_only=safe_only, only=only)
        todo = {p: plan for p, plan in plans.items()
                if p not in done or done[p][0] != plan}
        for outcome in compute_fixes(project, todo, jobs=jobs):
            done[outcome.path] = (copy.deepcopy(todo[outcome.path]), outcome)
        outcomes = [done[p][1] for p in sorted(plans)]
        more = False
        for outcome in outcomes:
            if outcome.error is None and outcome.result is not None:
                continue
            for key in sorted(functions_needing(project, plans[outcome.path]) - set(left)):
                left[key] = LeftOut(key, outcome.path, outcome.error or "not rewritten")
                more = True
        if not more:
            return FixRun(analysis, plans, outcomes, sorted(left.values(),
                                                            key=lambda x: (x.path, x.key)))


def fix_text(source: str, path: str = "module.py", config: Config | None = None,
             safe_only: bool = False) -> tuple[str, Analysis]:
    """Convert one module's text on its own (callers outside it are not seen).

    For tests, rule examples and editors' single-buffer use; raises RewriteError when the
    rewrite would not compile and SyntaxError-carrying facts leave the text unchanged.
    """
    config = config or Config()
    project = load_project([], config, overlays={os.path.abspath(path): source})
    analysis = analyse(project)
    plans = plans_for(project, analysis, safe_only=safe_only)
    plan = plans.get(os.path.abspath(path))
    if plan is None:
        return source, analysis
    from .rewrite.convert import rewrite_source

    facts = project.facts[os.path.abspath(path)]
    aliases = generator_aliases_for(facts, modules_by_name(project.facts.values()))
    return rewrite_source(source, plan, facts, path, aliases=aliases).source, analysis


def update_file(project: Project, path: str, text: str | None) -> bool:
    """Replace one file's facts (None: the file is gone) and refresh the workspace index;
    True when the facts changed (False: only the text did, or it does not parse and its last
    good facts stand).

    Per-file facts are cheap and recomputed on every edit; the index is rebuilt from the
    facts already held, so no other file is re-read or re-parsed. An edit whose new facts
    equal the old ones exactly (a comment, a docstring's prose) keeps the old facts object
    and the index as they are: only the text is new, so a previous analysis still holds
    (`reusable_analysis`).
    """
    path = os.path.abspath(path)
    if text is None:
        project.sources.pop(path, None)
        project.facts.pop(path, None)
        project.errors.pop(path, None)
    else:
        module, is_package = module_name_for(path)
        facts = extract_facts(text, path, module, is_package)
        old = project.facts.get(path)
        if facts.error is not None and old is not None and old.error is None:
            # Mid-typing syntax errors keep the last good facts (and report the error); the
            # index, made from those facts, stays as it is.
            project.errors[path] = f"{path}:{facts.error}"
            previous = project.sources.get(path)
            project.sources[path] = Source(path, text,
                                           previous.encoding if previous else "utf-8")
            project.stale.add(path)
            attach_oracle(project)
            return False
        if old is not None and old.error is None and facts == old:
            # The same facts (parsing again after a syntax error, too): the old object and
            # the index made from it stay; the analysis reads nothing else of the file.
            project.errors.pop(path, None)
            project.stale.discard(path)
            previous = project.sources.get(path)
            project.sources[path] = Source(path, text,
                                           previous.encoding if previous else "utf-8")
            attach_oracle(project)
            return False
        project.errors.pop(path, None)
        project.stale.discard(path)
        previous = project.sources.get(path)
        project.sources[path] = Source(path, text, previous.encoding if previous else "utf-8")
        project.facts[path] = facts
    good = project.facts.get(path)
    project.workspace = project.workspace.updated(
        path, good if good is not None and good.error is None else None,
        [f for f in project.facts.values() if f.error is None],
        lambda name: _mentioned(project, path, name))
    attach_oracle(project)
    return True


def _mentioned(project: Project, path: str, name: str) -> bool:
    """Whether any file but `path` may refer to `name`: its code has it as a name or inside
    a string (`patch("pkg.mod.name")`), or its facts come from an older text (it does not
    parse now). A comment saying the word refers to nothing."""
    if any(other != path for other in project.stale):
        return True
    return any(name in source.text and _names(source.text, name)
               for other, source in project.sources.items() if other != path)


def _names(text: str, name: str) -> bool:
    """Whether `name` is a name token of `text`, or part of one of its strings (True
    where the text does not tokenize: never a miss)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME and token.string == name:
                return True
            if token.type not in (tokenize.NAME, tokenize.COMMENT) and name in token.string:
                return True  # a string (an f-string's parts too), or what tokenize makes of it
    except (tokenize.TokenError, SyntaxError, ValueError):
        return True
    return False


def function_at(project: Project, path: str, line: int, col: int,
                enclosing: bool = False) -> str | None:
    """The key of the function whose name (definition or call) is at a 1-based line/col;
    with `enclosing`, else the innermost inlineCallbacks function around the position
    (what "Convert Function at Cursor" means with the cursor in the body)."""
    path = os.path.abspath(path)
    facts = project.facts.get(path)
    if facts is None:
        return None
    for fn in facts.functions:
        s = fn.name_span
        if s.line == line and s.col <= col <= s.end_col:
            return function_key(facts.module, fn.qualname)
    best: tuple[int, str] | None = None
    for site in facts.calls:
        s = site.span
        if not (s.line <= line <= s.end_line):
            continue
        # the callee name is the last component before the call's "("
        res = project.workspace.resolve(facts, site)
        if len(res.targets) != 1:
            continue
        if (s.line, s.col) <= (line, col) <= (s.end_line, s.end_col):
            width = (s.end_line - s.line) * 10_000 + (s.end_col - s.col)
            if best is None or width < best[0]:
                best = (width, res.targets[0])
    if best:
        return best[1]
    if enclosing:
        around = [fn for fn in facts.functions if fn.is_ic
                  and (fn.span.line, fn.span.col) <= (line, col) <= (fn.span.end_line,
                                                                    fn.span.end_col)]
        if around:
            inner = max(around, key=lambda fn: (fn.span.line, fn.span.col))
            return function_key(facts.module, inner.qualname)
    return None


@dataclass(frozen=True)
class CallerInfo:
    path: str
    span: Span
    usage: str  # what the caller does with the result (model.Usage) or "callback"
    detail: str
    needs_wrap: bool
    why: str
    possible: bool = False  # matched by name only (the receiver's type is unknown)


def callers_report(project: Project, key: str, analysis: Analysis | None = None,
                   conversion: ConversionPlan | None = None) -> list[CallerInfo]:
    """Every caller of a function (each call site once) and whether converting it makes that
    caller need a wrap. With `conversion` (`conversion_plan(project, {key})`) and `key`
    converted by it, a caller needs a wrap exactly when that plan wraps it: what hover says
    is what the edit does."""
    analysis = analysis or analyse(project)
    planner = make_planner(project)
    converting = {k for k, d in analysis.decisions.items() if d.convertible} | {key}
    planned: dict[tuple[str, Span], str] | None = None
    if conversion is not None and key in conversion.converted:
        planned = {(path, w.span): w.why for path, w in conversion.wraps_for(key)}
        converting = set(conversion.converted)  # the others stay as they are
    infos: list[CallerInfo] = []
    seen: set[tuple[str, Span]] = set()

    def add(facts: ModuleFacts, site: Any, why_wrap: str | None, fine: str, possible: bool
            ) -> None:
        where = (facts.path, site.span)
        if where in seen:
            return  # one call site reaching the function twice (related methods) is one caller
        seen.add(where)
        if planned is not None:
            why_wrap = planned.get(where)
            if why_wrap is None and not possible:
                fine = planner.caller_fine_reason(site, converting, facts)
        infos.append(CallerInfo(facts.path, site.span,
                                "callback" if site.uncalled else site.usage, site.detail,
                                why_wrap is not None, why_wrap or fine, possible=possible))

    for facts, site in planner.all_callers(key):
        why = planner.caller_needs(site, converting, facts)
        add(facts, site, why, "" if why or planned is not None
            else planner.caller_fine_reason(site, converting, facts), False)
    for facts, site in project.workspace.possible_callers(key):
        problem, wrap_why = planner.possible_caller(site, converting, facts)
        add(facts, site, problem or wrap_why, "awaited directly", True)
    infos.sort(key=lambda c: (c.path, c.span.line, c.span.col))
    return infos
