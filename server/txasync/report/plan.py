"""`txasync plan`: the conversion order Synapse's team used, as a command.

Convert outside in: a function whose callers are already async (or are not inlineCallbacks
at all) needs no temporary `ensureDeferred` wraps. So layers go from the outside (web and
REST resources) to the inside (storage): the configured `[tool.txasync.layers]` in their
order, else the modules' depth in the call graph; within a layer the least-called modules go
first, ties broken by call depth. Batches are sized for one reviewable commit each, never
span two layers, and each lists the wraps it adds in other functions and the earlier wraps
it makes unnecessary.
"""

from __future__ import annotations

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
from .layers import layer_of, layers_for, relative


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


def _call_graph(project: Project, planner: Planner, decisions: dict[str, Any],
                candidates: set[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(callers, calls) between functions: callers[k] are the functions whose bodies call the
    candidate `k` (a call of a keep-API wrapper reaches its body too, and a call dispatched
    to an override counts for every method it may run), with multiplicity."""
    callers: dict[str, list[str]] = {}
    calls: dict[str, list[str]] = {}
    for key in candidates:
        enclosing = [function_key(f.module, s.enclosing)
                     for f, s in planner.all_callers(key) if s.enclosing]
        callers[key] = [c for c in enclosing if c != key]
        for c in callers[key]:
            calls.setdefault(c, []).append(key)
    return callers, calls


def _depths(nodes: set[str], edges: dict[str, set[str]]) -> dict[str, int]:
    """Call depth of every node: the longest chain of callers above it (0: nothing calls it),
    cycles counted once (a strongly connected group shares one depth)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    group: dict[str, int] = {}
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in nodes:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group[member] = len(groups)
                    members.append(member)
                    if member == node:
                        break
                groups.append(members)
    # Tarjan finds groups callees first: walking them in reverse visits callers first.
    depth = [0] * len(groups)
    for g in reversed(range(len(groups))):
        for member in groups[g]:
            for callee in edges.get(member, ()):
                if callee in group and group[callee] != g:
                    depth[group[callee]] = max(depth[group[callee]], depth[g] + 1)
    return {node: depth[group[node]] for node in nodes}


def migration_order(project: Project, planner: Planner, decisions: dict[str, Any],
                    candidates: set[str]) -> list[tuple[str, str, list[str]]]:
    """The migration write-up's order, as (layer, module path, functions) groups: outside
    in (the configured `[tool.txasync.layers]` in the order they are listed, else the
    module's depth in the call graph: web and REST resources before the handlers they call,
    handlers before storage), least-called modules first within a layer (callers through a
    keep-API wrapper or an override counted), ties by call depth; within a module, callers
    before callees. A path is only the last word, for a stable order between equals."""
    callers, calls = _call_graph(project, planner, decisions, candidates)
    fn_edges = {k: set(v) for k, v in calls.items()}
    fn_nodes = set(candidates) | set(fn_edges)
    fn_depth = _depths(fn_nodes, fn_edges)
    module_of = {k: decisions[k].facts.path if k in decisions
                 else project.workspace.functions[k][0].path for k in fn_nodes
                 if k in decisions or k in project.workspace.functions}
    mod_edges: dict[str, set[str]] = {}
    incoming: dict[str, int] = {}
    for callee, who in callers.items():
        for caller in who:
            a, b = module_of.get(caller), module_of.get(callee)
            if a is None or b is None or a == b:
                continue
            mod_edges.setdefault(a, set()).add(b)
            incoming[b] = incoming.get(b, 0) + 1
    modules = {decisions[k].facts.path for k in candidates}
    mod_depth = _depths(set(module_of.values()), mod_edges)
    layers = layers_for(project.config)
    root = project.config.root

    def layer(path: str) -> tuple[int, str]:
        if layers:
            name = layer_of(relative(path, root), layers)
            if name is not None:
                return next(i for i, (n, _) in enumerate(layers) if n == name), name
            rank = len(layers)
            return rank + mod_depth.get(path, 0), f"unlayered, call depth {mod_depth.get(path, 0)}"
        return mod_depth.get(path, 0), f"call depth {mod_depth.get(path, 0)}"

    by_module: dict[str, list[str]] = {}
    for key in candidates:
        by_module.setdefault(decisions[key].facts.path, []).append(key)
    ordered = []
    for path in modules:
        keys = by_module[path]
        rank, name = layer(path)
        mean_depth = sum(fn_depth.get(k, 0) for k in keys) / len(keys)
        keys.sort(key=lambda k: (fn_depth.get(k, 0), decisions[k].fn.name_span.line))
        ordered.append(((rank, incoming.get(path, 0), mean_depth, path), name, path, keys))
    ordered.sort(key=lambda item: item[0])
    return [(name, path, keys) for _, name, path, keys in ordered]


def build_plan(project: Project, batch_size: int = 20) -> dict[str, Any]:
    """Batches of function keys, in the migration order (`migration_order`), each within one
    layer, with the wraps each adds and makes removable."""
    planner = make_planner(project)  # evidence and verdicts, as `check` and `fix` see them
    decisions = planner.decide(None)
    candidates = {k for k, d in decisions.items() if d.changes}
    groups: list[tuple[str, list[str]]] = []
    for layer, _path, keys in migration_order(project, planner, decisions, candidates):
        # A module's functions stay in one batch unless they are more than a batch holds.
        if groups and groups[-1][0] == layer and len(groups[-1][1]) + len(keys) > batch_size:
            groups.append((layer, []))
        for key in keys:
            if not groups or groups[-1][0] != layer or len(groups[-1][1]) >= batch_size:
                groups.append((layer, []))
            groups[-1][1].append(key)
    batches: list[dict[str, Any]] = []
    cumulative: set[str] = set()
    previous = _wrap_ids(planner, cumulative)
    for layer, batch in groups:
        cumulative |= set(batch)
        current = _wrap_ids(planner, cumulative)
        added = sorted(k for k in current if k not in previous)
        removable = sorted(k for k in previous if k not in current)
        batches.append({
            "batch": len(batches) + 1,
            "layer": layer,
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
    return {"batches": batches, "refused": refused, "batch_size": batch_size,
            "layers": "configured" if layers_for(project.config) else "call graph"}


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render_plan(plan: dict[str, Any], out: Console) -> None:
    if not plan["batches"]:
        out.print("Nothing to convert." + (" " if plan["refused"] else ""), end="",
                  markup=False)
    for batch in plan["batches"]:
        table = Table(title=f"Batch {batch['batch']} (layer {batch['layer']}): "
                      f"{_n(len(batch['functions']), 'function')}, "
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
