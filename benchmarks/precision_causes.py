"""Why converted yields still become `await defer.maybeDeferred(...)` on the real projects.

Run: python benchmarks/precision_causes.py [-p NAME ...] [--sdists DIR] [--work DIR]
                                           [--venvs DIR] [--json FILE] [--examples N]

For each project of `benchmarks/realworld.toml` it unpacks the pinned sdist (once, into
`--work`), loads it as `txasync fix` does (`--python` the project's venv from the real-world
driver's cache, `--venvs`, when it is there, so library sources come from the project's own
Twisted; else txasync's), runs the planner with the codes the driver selects and no probe
evidence, and counts every yield of a function the fix rewrites: `await`, dropped, or
`maybeDeferred`, the last by its typed reason (`Planner.unknown_yield_reason`, kinds
`yield-*` in analysis/reasons.py). Only the planner runs: no rewrite, no test suite, so it is
cheap enough to run after every change to the analysis (one process per project, so each
reads its own library path).

The share printed is maybe / (await + maybe) over converted yields; the driver's figure
(maybeDeferred lines among added awaiting lines of the diff) also counts the awaits of
rewritten callback chains and pass-throughs, so the two differ by a little.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SELECT = frozenset({"TXA", "TXA004", "TXA005", "TXA006"})


def _driver() -> Any:
    """The real-world driver (benchmarks/realworld.py): its project list and unpacker."""
    sys.path.insert(0, str(HERE))
    try:
        import realworld
    finally:
        sys.path.pop(0)
    return realworld


def measure(tree: Path, python: Path | None, examples: int) -> dict[str, Any]:
    """The planner's yield actions over one unpacked project, maybe ones by reason kind."""
    sys.path.insert(0, str(REPO / "server"))
    from txasync.analysis.plan import Planner
    from txasync.config import load_config
    from txasync.engine import _unsuppressed, discover, load_project, use_environment

    config = load_config(str(tree), python=str(python) if python else None)
    config = config.with_overrides(select=SELECT)
    files, _ = discover([str(tree)], config)
    project = load_project(files, config)
    use_environment(project)
    planner = Planner(project.workspace, config)
    decisions = planner.decide(_unsuppressed(project, project.workspace.candidates()))
    actions: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    samples: dict[str, list[str]] = {}
    for d in decisions.values():
        if not d.changes or d.shape is not None:
            continue
        for y in d.fn.yields:
            action = d.yields.get((y.span.line, y.span.col))
            if action is None:
                continue
            actions[action] += 1
            if action == "maybe":
                reason = planner.unknown_yield_reason(d.facts, d.fn, y)
                causes[reason.kind] += 1
                found = samples.setdefault(reason.kind, [])
                if len(found) < examples:
                    rel = Path(d.facts.path).relative_to(tree)
                    found.append(f"{rel}:{y.span.line}: {reason}")
    return {"actions": dict(actions), "causes": dict(causes), "examples": samples}


def _one(args: argparse.Namespace) -> int:
    result = measure(Path(args.one), Path(args.python) if args.python else None, args.examples)
    print(json.dumps(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-p", "--project", action="append", default=[])
    parser.add_argument("--sdists", default="/tmp/rwcache/sdists")
    parser.add_argument("--work", default="/tmp/precision-causes")
    parser.add_argument("--venvs", default="/tmp/rwcache/work",
                        help="the real-world driver's cache of project venvs (<slug>/venv)")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--examples", type=int, default=0,
                        help="print this many sites of each reason per project")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--python", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return _one(args)
    driver = _driver()
    projects = driver.load_config(driver.DEFAULT_CONFIG)
    names = args.project or list(projects)
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        project = projects[name]
        stem = f"{project.dist.replace('-', '_')}-{project.version}"
        archives = [a for a in Path(args.sdists).glob("*")
                    if a.name.lower().startswith((stem.lower(), f"{project.dist}-{project.version}"
                                                  .lower()))]
        if not archives:
            print(f"{name}: no sdist {stem}.* in {args.sdists}", file=sys.stderr)
            continue
        tree = Path(args.work) / project.slug
        if not tree.exists():
            driver.unpack(archives[0], tree)
        python = Path(args.venvs) / project.slug / "venv" / "bin" / "python"
        argv_one = [sys.executable, __file__, "--one", str(tree), "--examples",
                    str(args.examples)]
        if python.exists():
            argv_one += ["--python", str(python)]
        ran = subprocess.run(argv_one, capture_output=True, text=True, check=False)
        if ran.returncode != 0:
            print(f"{name}: failed\n{ran.stderr}", file=sys.stderr)
            continue
        results[name] = json.loads(ran.stdout.splitlines()[-1])
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return 0


def report(results: dict[str, dict[str, Any]]) -> None:
    """A table of actions per project, then maybe yields by reason kind per project."""
    names = list(results)
    width = max([len(n) for n in names] + [24])
    print(f"{'project':<{width}} {'await':>6} {'drop':>5} {'maybe':>6} {'share':>6}")
    total: Counter[str] = Counter()
    for name in names:
        a = Counter(results[name]["actions"])
        total.update(a)
        share = a["maybe"] / (a["await"] + a["maybe"]) if a["await"] + a["maybe"] else 0.0
        print(f"{name:<{width}} {a['await']:>6} {a['drop']:>5} {a['maybe']:>6} {share:>6.1%}")
    share = total["maybe"] / (total["await"] + total["maybe"]) if total["maybe"] else 0.0
    print(f"{'all':<{width}} {total['await']:>6} {total['drop']:>5} {total['maybe']:>6} "
          f"{share:>6.1%}")
    causes: Counter[str] = Counter()
    for r in results.values():
        causes.update(r["causes"])
    print()
    short = [n[:8] for n in names]
    print(f"{'maybeDeferred by reason':<{width}} " + " ".join(f"{s:>8}" for s in short)
          + f" {'all':>6}")
    for kind, count in causes.most_common():
        cells = " ".join(f"{results[n]['causes'].get(kind, 0):>8}" for n in names)
        print(f"{kind:<{width}} {cells} {count:>6}")
    for name in names:
        for kind, sites in sorted(results[name]["examples"].items()):
            for site in sites:
                print(f"  {name} {kind}: {site}")


if __name__ == "__main__":
    sys.exit(main())
