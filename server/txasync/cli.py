"""`txasync check|fix|plan|progress|lsp`: the command line over the engine.

Exit codes are a contract (README, "Commands"): 0 nothing reported / success, 1 findings
reported or something refused or failed, 2 usage or I/O errors. No traceback ever reaches the
user: every expected failure has a one-line message, and an unexpected one is reported as an
internal error with a request to file it.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from . import __version__
from .config import Config, ConfigError, load_config, parse_version
from .engine import (
    LeftOut,
    Project,
    analyse,
    discover,
    fix_project,
    load_project,
)
from .errors import UsageError
from .fileio import write_atomic
from .lines import split_lines

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _eprint(message: str) -> None:
    """One unwrapped line on stderr: `path:line:col: ...` must stay greppable."""
    print(message, file=sys.stderr, flush=True)


def _codes(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    return frozenset(c.strip().upper() for c in text.split(",") if c.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="txasync", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"txasync {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("paths", nargs="*", default=["."], metavar="PATH")
        p.add_argument("--select", help="only these codes (comma-separated prefixes)")
        p.add_argument("--ignore", help="skip these codes (comma-separated prefixes)")
        p.add_argument("--twisted-version", metavar="X.Y",
                       help="the oldest Twisted the project supports (decides what is safe)")
        p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N")
        p.add_argument("--jedi", action="store_true", default=None,
                       help="ask jedi about call receivers static analysis cannot type (slow)")
        p.add_argument("--config", metavar="PYPROJECT",
                       help="read [tool.txasync] from this file instead of the nearest one")

    check = sub.add_parser("check", help="report findings")
    common(check)
    check.add_argument("--format", choices=["text", "json", "github", "sarif"], default="text")
    check.add_argument("--baseline", metavar="FILE", help="report only what is not in FILE")
    check.add_argument("--write-baseline", metavar="FILE", help="record today's findings")

    fix = sub.add_parser("fix", help="convert functions and apply safe fixes")
    common(fix)
    fix.add_argument("--diff", action="store_true", help="print a diff, write nothing")
    fix.add_argument("--safe-only", action="store_true",
                     help="only safe fixes (returnValue -> return); convert nothing")
    fix.add_argument("--only", metavar="NAMES",
                     help="convert only these functions (comma-separated module:qualname)")
    fix.add_argument("--verify", action="store_true",
                     help="run the tests (the command after `--`, or test-command) before and "
                          "after, and take back every conversion that changes an outcome")
    fix.add_argument("--max-runs", type=int, metavar="N",
                     help="with --verify: run the test command at most N times")

    plan = sub.add_parser("plan", help="the conversion order, in reviewable batches")
    common(plan)
    plan.add_argument("--batch-size", type=int, default=20)
    plan.add_argument("--format", choices=["text", "json"], default="text")

    from .report import progress as progress_report

    progress = sub.add_parser("progress", help="inlineCallbacks vs async, per module")
    common(progress)
    progress_report.add_arguments(progress)

    from .probe import cli as probe_cli

    probe = sub.add_parser("probe", help="run the tests, recording what each yield sees")
    probe_cli.add_arguments(probe)

    lsp = sub.add_parser("lsp", help="run the language server (stdio by default)")
    lsp.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    lsp.add_argument("--stdio", action="store_true",
                     help="use stdio (the default; accepted because clients pass it)")
    return parser


def _config(args: argparse.Namespace) -> Config:
    start = args.config or (args.paths[0] if args.paths else ".")
    try:
        if args.twisted_version is not None:
            parse_version(args.twisted_version)
        config = load_config(start if os.path.exists(start) else ".", args.twisted_version)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    select, ignore = _codes(args.select), _codes(args.ignore)
    return config.with_overrides(select=select, ignore=ignore,
                                 jedi=getattr(args, "jedi", None))


def _load(args: argparse.Namespace, config: Config) -> Project:
    files, missing = discover(args.paths, config)
    if missing:
        raise UsageError(f"txasync: no such file or directory: {missing[0]}")
    if args.jobs < 1:
        raise UsageError("txasync: --jobs must be at least 1")
    return load_project(files, config, jobs=args.jobs)


def _rel(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _report_errors(project: Project, err: Console) -> int:
    errors = project.parse_errors()
    for path in sorted(errors):
        message = errors[path]
        _eprint(_rel(path) + message[len(path):] if message.startswith(path) else message)
    return len(errors)


def cmd_check(args: argparse.Namespace, out: Console, err: Console) -> int:
    config = _config(args)
    project = _load(args, config)
    analysis = analyse(project)
    findings = analysis.findings
    n_errors = _report_errors(project, err)
    if project.stale_evidence:
        _eprint(f"hint: {len(project.stale_evidence)} files changed since `txasync probe` "
                f"recorded its evidence ({_rel(project.stale_evidence[0])}, ...); their yields "
                "are judged statically until you run it again")
    if args.write_baseline or args.baseline:
        from .report.baseline import apply_baseline, write_baseline

        if args.write_baseline:
            write_baseline(args.write_baseline, findings, config.root)
            _eprint(f"wrote {len(findings)} findings to {args.write_baseline}")
            return EXIT_OK
        findings, gone = apply_baseline(args.baseline, findings, config.root)
        for entry in gone:
            _eprint(f"baseline entry no longer found (remove it): {entry}")
    fmt = args.format
    if fmt == "json":
        out.print_json(json.dumps([_finding_json(f) for f in findings]))
    elif fmt == "sarif":
        from .report.sarif import to_sarif

        print(json.dumps(to_sarif(findings), indent=2))
    else:
        for f in findings:
            path = _rel(f.path)
            if fmt == "github":
                level = "error" if f.severity == "error" else (
                    "warning" if f.severity == "warning" else "notice")
                print(f"::{level} file={path},line={f.span.line},col={f.span.col + 1},"
                      f"title={f.code}::{f.message}")
            else:
                print(f"{path}:{f.span.line}:{f.span.col + 1}: {f.code} {f.message}")
        if fmt == "text" and findings:
            counts = Counter(f.code for f in findings)
            summary = ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()))
            err.print(f"Found {len(findings)} findings ({summary}).", highlight=False)
    return EXIT_FINDINGS if findings or n_errors else EXIT_OK


def _finding_json(f) -> dict:  # type: ignore[no-untyped-def]
    return {
        "code": f.code,
        "path": _rel(f.path),
        "line": f.span.line,
        "column": f.span.col + 1,
        "end_line": f.span.end_line,
        "end_column": f.span.end_col + 1,
        "message": f.message,
        "severity": f.severity,
        "fix_safety": f.fix_safety,
        "function": f.function,
        "reason": f.reason or None,
    }


def cmd_fix(args: argparse.Namespace, out: Console, err: Console) -> int:
    config = _config(args)
    project = _load(args, config)
    only = None
    if args.only:
        only = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = sorted(n for n in only if n not in project.workspace.functions)
        if unknown:
            raise UsageError(f"txasync: --only names no function: {unknown[0]} "
                             "(use module:qualname, as `txasync plan` prints)")
    verify_status = EXIT_OK
    if args.verify:
        # Writes the converted tree itself, keeping only what the tests do not disprove.
        from .verify import cli as verify_cli

        verify_status, verified = verify_cli.run(args, project, only, err)
        if verified is None or verified.fix is None:
            return verify_status
        run = verified.fix
    else:
        # Every file is rewritten before any is written, and functions whose edits a failing
        # file holds are left out of the whole run (engine.fix_project): what is written
        # never depends on an edit that was not made.
        run = fix_project(project, only=only, safe_only=args.safe_only, jobs=args.jobs)
    analysis, outcomes = run.analysis, run.outcomes
    tree_root = os.path.commonpath([os.path.abspath(p) if os.path.isdir(p)
                                    else os.path.dirname(os.path.abspath(p))
                                    for p in args.paths])
    n_errors = _report_errors(project, err)
    converted = wraps = return_values = renamed = 0
    failed: list[str] = []
    changed_files = 0
    for outcome in outcomes:
        if outcome.error is not None or outcome.result is None:
            failed.append(outcome.error or outcome.path)
            continue
        result = outcome.result
        if result.source == outcome.original:
            continue
        changed_files += 1
        converted += len(result.converted)
        wraps += result.wraps
        return_values += result.return_values
        renamed += result.renamed
        if args.diff:
            rel = _rel(outcome.path)
            sys.stdout.writelines(difflib.unified_diff(
                split_lines(outcome.original), split_lines(result.source),
                *((f"a/{rel}", f"b/{rel}") if not os.path.isabs(rel) else (rel, rel))))
            sys.stdout.flush()  # before the summary on stderr
        elif not args.verify:
            source = project.sources[outcome.path]
            try:
                write_atomic(outcome.path, result.source, source.encoding, root=tree_root)
            except OSError as exc:
                failed.append(f"{outcome.path}:1:1: cannot write: {exc.strerror or exc}")
    for message in failed:
        _eprint(message)
    refused = [d for d in analysis.decisions.values() if d.selected and not d.changes]
    if not args.safe_only:
        _print_summary(err, converted, wraps, return_values, changed_files, refused, args.diff)
        if renamed:
            err.print(f"fixed {renamed} test doubles that succeed with a Failure (TXA014)",
                      highlight=False)
        _print_behaviour_changes(err, [d for d in analysis.decisions.values() if d.changes])
    else:
        err.print(f"{return_values} returnValue calls rewritten in {changed_files} files",
                  highlight=False)
    _print_left_out(err, project, run.left_out)
    if args.diff:
        return EXIT_FINDINGS if changed_files or failed or n_errors else EXIT_OK
    problems = failed or n_errors or run.left_out or (refused and not args.safe_only)
    return max(verify_status, EXIT_FINDINGS if problems else EXIT_OK)


def _print_left_out(err: Console, project: Project, left_out: list[LeftOut]) -> None:
    """Name each function the run left unconverted because a file it needs could not be
    rewritten: one greppable line each, `path:line:col: qualname left unconverted: ` and
    the failing file's own error message (its path, position and reason)."""
    if not left_out:
        return
    err.print(f"[bold]{len(left_out)} functions not converted in this run[/bold]: a file "
              "their conversion edits could not be rewritten (no written file needs them)",
              highlight=False)
    for item in left_out:
        where = item.key
        found = project.workspace.functions.get(item.key)
        if found is not None:
            facts, fn = found
            where = f"{_rel(facts.path)}:{fn.name_span.line}:{fn.name_span.col + 1}: {fn.qualname}"
        error = item.error
        if error.startswith(item.path):
            error = _rel(item.path) + error[len(item.path):]
        _eprint(f"{where} left unconverted: {error}")


def _print_behaviour_changes(err: Console, changing: list) -> None:  # type: ignore[type-arg]
    """What the run changes on purpose (a latent bug fixed), one greppable line each."""
    for d in sorted(changing, key=lambda d: (d.facts.path, d.fn.name_span.line)):
        for change in d.behaviour_changes:
            _eprint(f"{_rel(d.facts.path)}:{d.fn.name_span.line}: {d.fn.qualname}: "
                    f"behaviour changes on purpose: {change}")


def _print_summary(err: Console, converted: int, wraps: int, return_values: int,
                   files: int, refused: list, dry: bool) -> None:  # type: ignore[type-arg]
    verb = "would convert" if dry else "converted"
    err.print(f"[bold]{verb} {converted} functions[/bold], wrapped {wraps} call sites, "
              f"rewrote {return_values} other returnValue calls, in {files} files",
              highlight=False)
    if refused:
        table = Table(title=f"{len(refused)} functions not converted", title_justify="left")
        table.add_column("function", overflow="fold")
        table.add_column("reason", overflow="fold")
        for d in sorted(refused, key=lambda d: (d.facts.path, d.fn.name_span.line)):
            table.add_row(f"{_rel(d.facts.path)}:{d.fn.name_span.line} {d.fn.qualname}",
                          d.all_reasons[0])
        err.print(table)


def cmd_plan(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .report.plan import build_plan, render_plan

    config = _config(args)
    project = _load(args, config)
    _report_errors(project, err)
    if args.batch_size < 1:
        raise UsageError("txasync: --batch-size must be at least 1")
    plan = build_plan(project, args.batch_size)
    if args.format == "json":
        print(json.dumps(plan, indent=2))
    else:
        render_plan(plan, out)
    return EXIT_OK


def cmd_progress(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .report import progress as progress_report

    config = _config(args)
    return progress_report.run(args, config, lambda: _load(args, config), out, err)


def cmd_lsp(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .lsp.server import serve

    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit():
            raise UsageError("txasync: --tcp takes HOST:PORT")
        serve(tcp=(host or "127.0.0.1", int(port)))
    else:
        serve()
    return EXIT_OK


def cmd_probe(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .probe import cli as probe_cli

    return probe_cli.run(args)


COMMANDS = {"check": cmd_check, "fix": cmd_fix, "plan": cmd_plan, "progress": cmd_progress,
            "probe": cmd_probe, "lsp": cmd_lsp}


def main(argv: Sequence[str] | None = None) -> int:
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # `fix ... --verify -- <test command>`: what follows `--` is the test command's.
    test_command = None
    words = [a for a in argv if not a.startswith("-")]
    if words and words[0] == "fix" and "--" in argv and "--verify" in argv[:argv.index("--")]:
        cut = argv.index("--")
        argv, test_command = argv[:cut], argv[cut + 1:]
    try:
        args = parser.parse_args(argv)
        if args.command == "fix":
            args.test_command = test_command  # None unless `--verify ... -- <command>`
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return COMMANDS[args.command](args, out, err)
    except UsageError as exc:
        _eprint(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _eprint("txasync: interrupted; files already written are complete, others untouched")
        return 130
    except BrokenPipeError:
        return EXIT_FINDINGS
    except Exception as exc:  # the user gets one line, not a traceback
        _eprint(f"txasync: internal error: {type(exc).__name__}: {exc} "
                "(please report this with the file that caused it; "
                "TXASYNC_DEBUG=1 shows the traceback)")
        if os.environ.get("TXASYNC_DEBUG"):
            raise
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
