"""The language server's only window onto engine records beyond `engine`'s functions.

The LSP layer presents what the engine decided and never re-derives a fact. A few things it
needs are not (yet) one engine call: restricting a plan to the functions a user picked,
reading a decision's status, naming a finding's function. They live here, so an engine
change breaks one small module, not every feature.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .. import engine
from ..analysis.facts import module_name_for
from ..analysis.findings import FilePlan, Finding
from ..analysis.model import FunctionFact, ModuleFacts
from ..engine import Analysis, FixOutcome, Project, function_key
from ..rules import txa001_inlinecallbacks_convertible as convertible
from ..rules import txa003_returnvalue as returnvalue
from ..rules import txa005_deferred_pass_through as pass_through
from ..rules import txa006_callback_chain as callback_chain


def snapshot(project: Project) -> Project:
    """A copy of `project` that later `update_file` calls on the original do not change.

    `update_file` replaces dictionary entries and the workspace object rather than mutating
    facts in place, so shallow copies of the dictionaries are enough (and cheap).
    """
    snap = copy.copy(project)
    snap.sources = dict(project.sources)
    snap.facts = dict(project.facts)
    snap.errors = dict(project.errors)
    snap.stale = set(project.stale)
    return snap


def finding_key(project: Project | None, finding: Finding) -> str:
    """The key of the function a finding is about ("" for module-level code). Without a
    project (a stored result published while indexing), the module is named from the path,
    as indexing names it."""
    key = finding.data.get("key") if finding.data else None
    if isinstance(key, str) and key:
        return key
    if not finding.function:
        return ""
    if project is None:
        return function_key(module_name_for(finding.path)[0], finding.function)
    facts = project.facts.get(finding.path)
    if facts is None:
        return ""
    return function_key(facts.module, finding.function)


def lookup_function(project: Project, key: str) -> tuple[ModuleFacts, FunctionFact] | None:
    return project.workspace.functions.get(key)


@dataclass(frozen=True)
class Status:
    """What the engine decided about one inlineCallbacks function, in editor terms."""

    convertible: bool  # it can become `async def` (perhaps keeping its Deferred API)
    reasons: tuple[str, ...]  # why not (first one is the headline)
    keep_api: bool  # the conversion keeps a Deferred-returning wrapper
    keep_api_possible: bool  # blocked, but "Convert keeping the Deferred API" exists
    wraps: int  # callers that get `ensureDeferred` when it is converted
    wrap_files: tuple[str, ...]


def conversion_status(conversion: engine.ConversionPlan, key: str) -> Status | None:
    """`status` as converting `key` alone decides it: what its code lens and hover say, and
    what "Convert to async" then edits (the same plan). A function kept behind a Deferred
    API for a caller-side reason is "blocked" with "Convert keeping the Deferred API", as in
    the findings (the blocked rule's)."""
    decision = conversion.analysis.decisions.get(key)
    if decision is None:
        return None
    reasons: tuple[str, ...] = tuple(decision.all_reasons)
    if key not in conversion.converted and not reasons:
        reasons = (conversion.refused.get(key, "it is not selected"),)
    wraps = conversion.wraps_for(key) if key in conversion.converted else []
    return Status(convertible=not reasons, reasons=reasons, keep_api=bool(decision.keep_api),
                  keep_api_possible=bool(reasons) and bool(decision.keep_api_possible),
                  wraps=len(wraps), wrap_files=tuple(sorted({path for path, _ in wraps})))


# Findings that say "this function can become `async def`" (or why not): inlineCallbacks
# functions, and the opt-in pass-throughs and callback chains when `select` names them.
SHAPE_CODES = (pass_through.RULE.code, callback_chain.RULE.code)
_SHAPE_KINDS = {"passthrough": "pass-through", "chain": "callback chain"}


def convertible_kind(analysis: Analysis, key: str, fn: FunctionFact) -> str | None:
    """"inlineCallbacks", "pass-through" or "callback chain" for a function the engine
    decides about (a pass-through or chain only when the run selects its rule: the engine
    then has a decision for it); None for anything else."""
    if fn.is_ic:
        return "inlineCallbacks"
    if fn.shape is not None and key in analysis.decisions:
        return _SHAPE_KINDS.get(fn.shape.kind)
    return None


def converts(finding: Finding) -> bool | None:
    """For a pass-through or callback-chain finding: whether the function converts as it is
    (True), is kept from it (False); None for other codes."""
    if finding.code not in SHAPE_CODES:
        return None
    return not (finding.data or {}).get("reasons")


def convertible_finding(finding: Finding) -> bool:
    """A finding whose "Convert to async" converts its function (a convertible
    inlineCallbacks function, pass-through or chain)."""
    return finding.code == convertible.RULE.code or converts(finding) is True


ConversionPlan = engine.ConversionPlan


def conversion_plans(project: Project, keys: set[str]) -> ConversionPlan:
    """Plans that convert exactly `keys` and wrap their callers, nothing else (the engine's
    `conversion_plan`, which hover and code lens read too)."""
    return engine.conversion_plan(project, keys)


def safe_plan(project: Project, analysis: Analysis, path: str) -> FilePlan | None:
    """The safe fixes of one file (what `source.fixAll` applies): never a conversion."""
    plan = engine.plans_for(project, analysis, safe_only=True).get(path)
    if plan is None:
        return None
    plan = FilePlan(path, convert=[], wraps=list(plan.wraps),
                    return_values=list(plan.return_values))
    return None if plan.is_empty() else plan


def finding_plan(project: Project, analysis: Analysis, finding: Finding) -> FilePlan | None:
    """The fix of one finding on its own (returnValue, and the hazards rules check for)."""
    path = finding.path
    if finding.fix_safety == "none":
        return None
    if finding.code == returnvalue.RULE.code:
        return FilePlan(path, return_values=[finding.span])
    for hazard in analysis.hazards:
        if hazard.finding != finding:
            continue
        if hazard.wrap is not None:
            return FilePlan(path, wraps=[hazard.wrap])
        if hazard.rename is not None:
            return FilePlan(path, renames=[hazard.rename],
                            lambdas=[hazard.defer_arg] if hazard.defer_arg else [])
        if hazard.split is not None:
            from ..analysis.findings import ConvertFunction

            return FilePlan(path, convert=[ConvertFunction(hazard.split, keep_api=True)])
    return None


def run_fixes(project: Project, plans: dict[str, FilePlan]) -> list[FixOutcome]:
    """Rewrite each planned file (in this thread; callers run it off the event loop)."""
    return engine.compute_fixes(project, plans, jobs=1)


def progress_summary(project: Project) -> dict[str, Any]:
    """Migration totals (the status command's), as `txasync progress` counts them."""
    from ..report.progress import summary

    return summary(project)
