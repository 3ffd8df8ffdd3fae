"""`txasync progress`: how far the migration has come (inlineCallbacks vs async)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from ..config import Config
from ..engine import Project


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["text", "json"], default="text")


def progress_rows(project: Project) -> dict:  # type: ignore[type-arg]
    modules = []
    for path, facts in sorted(project.facts.items()):
        ic = [f for f in facts.functions if f.is_ic]
        aio = [f for f in facts.functions if f.is_async]
        if ic or aio:
            modules.append({"module": facts.module, "path": path, "inlinecallbacks": len(ic),
                            "async": len(aio)})
    total_ic = sum(m["inlinecallbacks"] for m in modules)
    total_async = sum(m["async"] for m in modules)
    share = total_async / (total_ic + total_async) if total_ic + total_async else 1.0
    return {"modules": modules, "inlinecallbacks": total_ic, "async": total_async,
            "share_async": round(share, 4)}


def run(args: argparse.Namespace, config: Config, load: Callable[[], Project], out: Console,
        err: Console) -> int:
    report = progress_rows(load())
    if args.format == "json":
        print(json.dumps(report, indent=2))
        return 0
    table = Table(title=f"async {report['share_async']:.0%}")
    for column in ("module", "inlineCallbacks", "async"):
        table.add_column(column)
    for m in report["modules"]:
        table.add_row(m["module"], str(m["inlinecallbacks"]), str(m["async"]))
    out.print(table)
    return 0
