"""`txasync plan`: the conversion order Synapse's team used, as a command.

Convert outside in: a function whose callers are already async (or are not inlineCallbacks
at all) needs no temporary `ensureDeferred` wraps, so functions with the fewest unconverted
inlineCallbacks callers go first. Batches are sized for one reviewable commit each, and
each lists the wraps it adds in other functions and the earlier wraps it makes unnecessary.
"""

from __future__ import annotations

import heapq
import os
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.deferred_plan import shape_code
from ..analysis.plan import Decision, Planner
from ..engine import Project, function_key, make_planner
from ..rules import txa001_inlinecallbacks_convertible as convertible
from ..rules import txa002_inlinecallbacks_blocked as blocked


def _ic_callers(project: Project, key: str, remaining: set[str]) -> int:
    """Call sites of `key` inside inlineCallbacks functions that are not converted yet."""
    count = 0
    for facts, site in project.workspace.callers(key):
        if site.enclosing and function_key(facts.module, site.enclosing) in remaining:
            count += 1
    return count


def _wrap_ids(planner: Planner, cumulative: set[str]) -> dict[tuple[str, int, int], str]:
    decisions = planner.decide(cumulative)
    wraps: dict[tuple[str, int, int], str] = {}
    for d in decisions.values():
        if not d.changes:
            continue
        for facts, wrap in d.wraps:
            wraps[(facts.path, wrap.span.line, wrap.span.col)] = wrap.why
    return wraps


def _rule(decision: Decision) -> str:
    """The rule a conversion comes from: the inlineCallbacks one, or the opt-in pass-through
    and callback-chain ones when the run selected them."""
    return shape_code(decision.shape.kind) if decision.shape is not None else (
        convertible.RULE.code)


def _apply(batch: list[str], decisions: dict[str, Decision], project: Project) -> str:
    """The command that converts one batch: a batch with pass-throughs or chains must
    select their opt-in codes again, or `fix` would leave them alone."""
    command = "txasync fix"
    if any(decisions[k].shape is not None for k in batch):
        command += " --select " + ",".join(sorted(project.config.select))
    return f"{command} --only {','.join(batch)}"


def build_plan(project: Project, batch_size: int = 20) -> dict[str, Any]:
    """Batches of function keys, in order, with the wraps each adds and makes removable."""
    planner = make_planner(project)  # evidence and verdicts, as `check` and `fix` see them
    decisions = planner.decide(None)
    candidates = {k for k, d in decisions.items() if d.changes}
    # callers[k]: the IC functions calling k (with multiplicity); calls[c]: whom c calls
    callers: dict[str, list[str]] = {}
    calls: dict[str, list[str]] = {}
    for key in candidates:
        enclosing = [function_key(f.module, s.enclosing)
                     for f, s in project.workspace.callers(key) if s.enclosing]
        callers[key] = [c for c in enclosing if c in decisions and c != key]
        for c in callers[key]:
            calls.setdefault(c, []).append(key)
    count = {k: len(v) for k, v in callers.items()}
    heap = [(count[k], decisions[k].facts.path, decisions[k].fn.name_span.line, k)
            for k in candidates]
    heapq.heapify(heap)
    order: list[str] = []
    done: set[str] = set()
    while heap:
        # fewest unconverted IC callers first; ties by file and line for a stable order
        n, _, _, best = heapq.heappop(heap)
        if best in done or n != count[best]:
            continue
        order.append(best)
        done.add(best)
        for callee in calls.get(best, []):
            if callee not in done:
                count[callee] -= 1
                d = decisions[callee]
                heapq.heappush(heap, (count[callee], d.facts.path, d.fn.name_span.line, callee))
    batches: list[dict[str, Any]] = []
    cumulative: set[str] = set()
    previous = _wrap_ids(planner, cumulative)
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        cumulative |= set(batch)
        current = _wrap_ids(planner, cumulative)
        added = sorted(k for k in current if k not in previous)
        removable = sorted(k for k in previous if k not in current)
        batches.append({
            "batch": len(batches) + 1,
            "functions": [
                {"key": k, "path": os.path.relpath(decisions[k].facts.path),
                 "line": decisions[k].fn.name_span.line,
                 "rule": _rule(decisions[k]),
                 "keeps_deferred_api": decisions[k].keep_api,
                 "unconverted_callers": _ic_callers(project, k, set(decisions) - cumulative)}
                for k in batch
            ],
            "wraps_added": [{"path": os.path.relpath(p), "line": line, "why": current[(p, line, c)]}
                            for p, line, c in added],
            "wraps_removable": [{"path": os.path.relpath(p), "line": line}
                                for p, line, c in removable],
            "only": ",".join(batch),
            "apply": _apply(batch, decisions, project),
        })
        previous = current
    refused = [
        {"key": k, "path": os.path.relpath(d.facts.path), "line": d.fn.name_span.line,
         "rule": _rule(d), "reason": d.all_reasons[0]}
        for k, d in sorted(decisions.items()) if not d.changes
    ]
    return {"batches": batches, "refused": refused, "batch_size": batch_size}


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render_plan(plan: dict[str, Any], out: Console) -> None:
    if not plan["batches"]:
        out.print("Nothing to convert." + (" " if plan["refused"] else ""), end="",
                  markup=False)
    for batch in plan["batches"]:
        table = Table(title=f"Batch {batch['batch']}: {_n(len(batch['functions']), 'function')}, "
                      f"{_n(len(batch['wraps_added']), 'wrap')} added, "
                      f"{_n(len(batch['wraps_removable']), 'earlier wrap')} no longer needed",
                      title_justify="left")
        table.add_column("function", overflow="fold")
        table.add_column("where", overflow="fold")
        table.add_column("unconverted inlineCallbacks callers", justify="right")
        for fn in batch["functions"]:
            name = fn["key"] + (" (keeps Deferred API)" if fn["keeps_deferred_api"] else "")
            rule = fn.get("rule", convertible.RULE.code)
            if rule != convertible.RULE.code:
                name += (" (pass-through)" if rule == shape_code("passthrough")
                         else " (callback chain)")
            table.add_row(Text(name), Text(f"{fn['path']}:{fn['line']}"),
                          str(fn["unconverted_callers"]))
        out.print(table)
        for wrap in batch["wraps_added"]:
            out.print(f"  + wrap {wrap['path']}:{wrap['line']}: {wrap['why']}", markup=False)
        for wrap in batch["wraps_removable"]:
            out.print(f"  - wrap no longer needed {wrap['path']}:{wrap['line']}", markup=False)
        out.print(f"  apply: {batch['apply']}", markup=False, soft_wrap=True)
    if plan["batches"]:
        out.print("Columns: a function's unconverted inlineCallbacks callers are the calls that "
                  "need a temporary `ensureDeferred` wrap until they are converted too; a wrap "
                  "no longer needed is one an earlier batch added whose caller this batch "
                  "converts (the `apply` line removes it).", markup=False)
    if plan["refused"]:
        codes = ",".join([blocked.RULE.code, *sorted(
            {r["rule"] for r in plan["refused"]} - {convertible.RULE.code})])
        out.print(f"{_n(len(plan['refused']), 'function')} cannot be converted yet "
                  f"(`txasync check --select {codes}` says why).", markup=False)
