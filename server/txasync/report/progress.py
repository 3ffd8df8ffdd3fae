"""`txasync progress`: how far the migration has come ("are we async yet?").

Two views. The current tree: IC and async functions (and their lines) per module, package and
configured layer, the plain Deferred functions still to convert (pass-throughs and callback
chains, counted whether or not their rules are selected: see `deferred_code.py`), and what
blocks the remaining IC functions, grouped by the kind of reason. The history
(`--history`): the same totals for sampled commits, read from git objects (see
`history.py`), drawn as a chart (`chart.py`).
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..config import Config, ConfigError
from ..engine import Analysis, Project, analyse, covered_by_tests
from .counts import Counts, count_facts
from .layers import Layers, layer_of, layers_for, relative

EXIT_OK, EXIT_USAGE = 0, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `txasync progress` (the common ones are added by cli.py)."""
    parser.add_argument("--format", choices=["text", "json"], default="text")
    history = parser.add_argument_group("history (implied by any of these flags)")
    history.add_argument("--history", action="store_true",
                         help="count sampled commits of the git history (one per week; "
                              "one per commit when the history spans fewer than 8 weeks)")
    history.add_argument("--every", type=int, metavar="N",
                         help="sample every Nth commit (from HEAD back) instead of weekly")
    history.add_argument("--since", metavar="DATE",
                         help="only commits after DATE (anything `git log --since` takes)")
    history.add_argument("--cache-dir", metavar="DIR",
                         help="where counts per blob are cached (default .txasync/cache "
                              "in the repository)")
    history.add_argument("--html", metavar="FILE", help="write a self-contained HTML chart")
    history.add_argument("--png", metavar="FILE",
                         help="write a PNG chart (needs the [progress-png] extra: matplotlib)")


def summary(project: Project) -> dict[str, Any]:
    """Totals and share async for a project, without the analysis (cheap enough for a
    status bar that refreshes on every save)."""
    total = Counts()
    modules = 0
    for facts in project.facts.values():
        counts = count_facts(facts)
        total.add(counts)
        modules += bool(counts.inlinecallbacks or counts.async_ or counts.deferred)
    return {**total.to_json(), "modules_with_functions": modules, "files": len(project.facts)}


def _package(module: str, is_package: bool) -> str:
    if is_package:
        return module
    return module.rsplit(".", 1)[0] if "." in module else ""


def _blocked_by_path(analysis: Analysis) -> dict[str, list[tuple[str, str]]]:
    """path -> [(function key, reason kind)] for every IC function that is not convertible."""
    blocked: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, decision in analysis.decisions.items():
        # all_reasons: the function's own reasons and its callers' (what the blocked rule reports)
        reasons = decision.all_reasons
        if reasons:  # grouped by the first reason's kind (its label), never its wording
            blocked[decision.facts.path].append((key, reasons[0].label))
    return blocked


def _row(counts: Counts, blocked: list[tuple[str, str]]) -> dict[str, Any]:
    kinds = Counter(kind for _, kind in blocked)
    return {**counts.to_json(), "blocked": len(blocked),
            "convertible": counts.inlinecallbacks - len(blocked),
            "blocked_reasons": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))}


Group = tuple[Counts, list[tuple[str, str]]]


def _add(groups: dict[Any, Group], name: str | None, counts: Counts,
         blocked: list[tuple[str, str]]) -> None:
    group_counts, group_blocked = groups.setdefault(name, (Counts(), []))
    group_counts.add(counts)
    group_blocked.extend(blocked)


def progress_report(project: Project, analysis: Analysis | None = None,
                    layers: Layers | None = None) -> dict[str, Any]:
    """The current-tree report as plain data (what `--format json` prints)."""
    analysis = analysis if analysis is not None else analyse(project)
    layers = layers or []
    root = project.config.root
    blocked = _blocked_by_path(analysis)
    total, modules = Counts(), []
    by_package: dict[str, Group] = {}
    by_layer: dict[str | None, Group] = {name: (Counts(), []) for name, _ in layers}
    for path, facts in sorted(project.facts.items()):
        counts = count_facts(facts)
        if not (counts.inlinecallbacks or counts.async_ or counts.deferred):
            continue
        total.add(counts)
        rel = relative(path, root)
        package = _package(facts.module, facts.is_package)
        row = {"module": facts.module, "path": rel, "package": package,
               **_row(counts, blocked.get(path, []))}
        if layers:
            row["layer"] = layer_of(rel, layers)
        modules.append(row)
        _add(by_package, package, counts, blocked.get(path, []))
        if layers:
            _add(by_layer, row["layer"], counts, blocked.get(path, []))
    all_blocked = [b for path in sorted(blocked) for b in blocked[path]]
    reasons: dict[str, list[str]] = defaultdict(list)
    for key, kind in all_blocked:
        reasons[kind].append(key)
    return {
        **_row(total, all_blocked),
        "packages": [{"package": name, **_row(*by_package[name])} for name in sorted(by_package)],
        "modules": modules,
        "layers": [{"layer": name, "globs": list(dict(layers).get(name, ())) if name else [],
                    **_row(*by_layer[name])} for name in by_layer] if layers else [],
        "blocked_by_reason": [
            {"reason": kind, "count": len(keys), "functions": sorted(keys)}
            for kind, keys in sorted(reasons.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
        "errors": sorted(relative(p, root) for p in project.parse_errors()),
        "tests": _test_coverage(project, analysis),
        "files": len(project.sources),
    }


def _test_coverage(project: Project, analysis: Analysis) -> dict[str, Any]:
    """Which remaining inlineCallbacks functions the recorded test run (`txasync probe`)
    called: a conversion the tests never run is one nobody checks, so those go first in
    review, or get a test first."""
    ran: list[str] = []
    not_run: list[str] = []
    unknown = 0
    for key in sorted(analysis.decisions):
        covered = covered_by_tests(project, key)
        if covered is None:
            unknown += 1
        else:
            (ran if covered else not_run).append(key)
    return {"evidence": project.evidence is not None, "ran": len(ran),
            "not_run": not_run, "unknown": unknown}


def _pct(share: float) -> str:
    return f"{share:.0%}"


def _top_reason(row: dict[str, Any]) -> str:
    reasons = row["blocked_reasons"]
    if not reasons:
        return ""
    kind, n = next(iter(reasons.items()))
    more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
    return f"{n}× {kind}{more}"


_COLUMNS = ("IC", "pass-\nthrough/\nchain", "async", "IC\nlines", "async\nlines", "async\n%",
            "blocked", "top blocker")


def _cells(row: dict[str, Any], blockers: bool) -> list[str]:
    cells = [str(row["inlinecallbacks"]), str(row["deferred"] or ""), str(row["async"]),
             str(row["inlinecallbacks_lines"]), str(row["async_lines"]),
             _pct(row["share_async"]), str(row["blocked"] or "")]
    return cells + [_top_reason(row)] if blockers else cells


def _table(title: str, first: str, blockers: bool) -> Table:
    table = Table(title=title, title_justify="left", pad_edge=False)
    table.add_column(first, no_wrap=True)
    for name in _COLUMNS if blockers else _COLUMNS[:-1]:
        if name == "top blocker":
            table.add_column(name, overflow="fold", ratio=1, min_width=10)
        else:
            table.add_column(name, justify="right", no_wrap=True)
    return table


def render_report(report: dict[str, Any], out: Console) -> None:
    """Tables: modules grouped by package, then layers, then what blocks the rest."""
    if not report["inlinecallbacks"] and not report["async"] and not report["deferred"]:
        # 0 of 0 is not "100% async": say what was (not) found instead.
        files = report.get("files", 0)
        if files:
            out.print(f"No inlineCallbacks, Deferred or async functions in {files} Python "
                      f"file{'s' if files != 1 else ''}: nothing to measure.", markup=False)
        return
    blockers = bool(report["blocked"])
    table = _table(
        f"async {_pct(report['share_async'])} of functions, "
        f"{_pct(report['share_async_lines'])} of lines "
        f"({report['async']} async, {report['inlinecallbacks']} inlineCallbacks, "
        f"{report['blocked']} blocked"
        + (f"; {report['deferred']} pass-through/chain functions also hand out Deferreds"
           if report["deferred"] else "") + ")", "package / module", blockers)
    modules_by_package: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in report["modules"]:
        modules_by_package[row["package"]].append(row)
    for package in report["packages"]:
        name = package["package"] or "(top level)"
        cells = [f"[bold]{escape(c)}[/bold]" for c in _cells(package, blockers)]
        table.add_row(f"[bold]{name}[/bold]", *cells)
        prefix = package["package"] + "." if package["package"] else ""
        for row in modules_by_package[package["package"]]:
            short = row["module"][len(prefix):] if row["module"].startswith(prefix) else (
                row["module"])
            table.add_row(f"  {short or '__init__'}", *map(escape, _cells(row, blockers)))
    out.print(table)
    if report["layers"]:
        layers = _table("by layer", "layer", blockers)
        for row in report["layers"]:
            layers.add_row(escape(row["layer"] or "(no layer)"),
                           *map(escape, _cells(row, blockers)))
        out.print(layers)
    if report["blocked_by_reason"]:
        reasons = Table(title="what blocks the remaining inlineCallbacks functions",
                        title_justify="left")
        reasons.add_column("reason", overflow="fold")
        reasons.add_column("functions", justify="right")
        reasons.add_column("for example", overflow="fold")
        for row in report["blocked_by_reason"]:
            examples = ", ".join(row["functions"][:3]) + (", …" if row["count"] > 3 else "")
            reasons.add_row(escape(row["reason"]), str(row["count"]), escape(examples))
        out.print(reasons)
    tests = report["tests"]
    if tests["evidence"] and (tests["ran"] or tests["not_run"]):
        not_run = tests["not_run"]
        line = (f"Under your tests (txasync probe): {tests['ran']} of "
                f"{tests['ran'] + len(not_run) + tests['unknown']} inlineCallbacks functions ran")
        if not_run:
            line += (f"; {len(not_run)} never ran, so no test checks their conversion: "
                     + ", ".join(not_run[:5]) + (", …" if len(not_run) > 5 else ""))
        out.print(escape(line))
    elif not tests["evidence"] and (report["inlinecallbacks"] or report["blocked"]):
        out.print("[dim]Which of these do your tests run? `txasync probe -- <test command>` "
                  "records it.[/dim]")


def run(args: argparse.Namespace, config: Config, load: Callable[[], Project], out: Console,
        err: Console) -> int:
    """Entry point from cli.py; returns the exit code."""
    try:
        layers = layers_for(config)
    except ConfigError as exc:
        err.print(f"txasync: {exc}", markup=False, highlight=False)
        return EXIT_USAGE
    if args.history or args.every is not None or args.since or args.cache_dir or args.html \
            or args.png:
        from .history_cli import run_history

        return run_history(args, config, layers, out, err)
    project = load()
    if not project.sources and not project.errors and args.format != "json":
        return EXIT_OK  # "no Python files in ..." is said already
    for path, message in sorted(project.parse_errors().items()):
        err.print(message.replace(path, os.path.relpath(path), 1), markup=False, highlight=False)
    report = progress_report(project, layers=layers)
    if args.format == "json":
        print(json.dumps({**report, "environment": config.environment_json()}, indent=2))
    else:
        render_report(report, out)
    return EXIT_OK
