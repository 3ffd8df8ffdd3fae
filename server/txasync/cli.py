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
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import __version__
from .analysis.findings import Finding
from .analysis.plan import Decision
from .config import Config, ConfigError, check_codes, load_config, parse_version
from .engine import (
    LeftOut,
    Project,
    check_files,
    discover,
    fix_project,
    function_key,
    load_project,
    public_kept,
)
from .errors import UsageError, interrupted
from .fileio import write_atomic
from .lines import split_lines
from .rules import RULES
from .rules import txa001_inlinecallbacks_convertible as convertible
from .rules import txa002_inlinecallbacks_blocked as blocked
from .rules import txa003_returnvalue as returnvalue
from .rules import txa014_failure_in_succeed as failure_in_succeed

_CODES = tuple(RULES)  # for examples in the help text

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _eprint(message: str) -> None:
    """One unwrapped line on stderr: `path:line:col: ...` must stay greppable."""
    print(message, file=sys.stderr, flush=True)


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 function`, `2 functions` (`many` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _codes(text: str | None, flag: str) -> frozenset[str] | None:
    if text is None:
        return None
    codes = frozenset(c.strip().upper() for c in text.split(",") if c.strip())
    try:
        check_codes(codes, flag)
    except ConfigError as exc:
        raise UsageError(f"txasync: {exc}") from None
    return codes


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="txasync", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"txasync {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                       help="files or directories to read (default: the current directory)")
        p.add_argument("--select", metavar="CODES",
                       help="only these codes (comma-separated codes or prefixes: "
                            f"{_CODES[0]},{_CODES[-1][:-1]})")
        p.add_argument("--ignore", metavar="CODES",
                       help="skip these codes (comma-separated codes or prefixes)")
        p.add_argument("--twisted-version", metavar="X.Y",
                       help="the oldest Twisted the project supports (decides what is safe); "
                            "default: the oldest its dependencies allow, else the one installed "
                            "in its interpreter")
        p.add_argument("--python", metavar="PATH",
                       help="the project's interpreter (or its venv directory), whose "
                            "libraries are read; default: $VIRTUAL_ENV, a venv at the project "
                            "root, else txasync's own")
        p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="processes that read and rewrite files in parallel "
                            "(default: the number of CPUs)")
        p.add_argument("--jedi", action="store_true", default=None,
                       help="ask jedi about call receivers static analysis cannot type (slow)")
        p.add_argument("--config", metavar="PYPROJECT",
                       help="read [tool.txasync] from this file instead of the nearest one")

    check = sub.add_parser("check", help="report findings")
    common(check)
    check.add_argument("--format", choices=["text", "json", "github", "sarif"], default="text")
    check.add_argument("--baseline", metavar="FILE", help="report only what is not in FILE")
    check.add_argument("--write-baseline", metavar="FILE", help="record today's findings")
    check.add_argument("--no-cache", action="store_true",
                       help="analyse afresh even when nothing changed since the last check "
                            "(its results are kept in .txasync/cache/)")
    check.add_argument("--stats", action="store_true",
                       help="instead of findings: how many functions convert plainly, keep a "
                            "Deferred API or are refused, and the causes (the call site or name "
                            "each points at), most functions first")

    fix = sub.add_parser("fix", help="convert functions and apply safe fixes")
    common(fix)
    fix.add_argument("--diff", action="store_true", help="print a diff, write nothing")
    fix.add_argument("--safe-only", action="store_true",
                     help="only safe fixes (returnValue -> return); convert nothing")
    fix.add_argument("--only", metavar="NAMES",
                     help="convert only these functions (comma-separated module:qualname) and "
                          "wrap their callers; nothing else is touched")
    fix.add_argument("--format", choices=["text", "json"], default="text",
                     help="json: the results as one JSON object on stdout")
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
        config = load_config(start if os.path.exists(start) else ".", args.twisted_version,
                             python=getattr(args, "python", None))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    select, ignore = _codes(args.select, "--select"), _codes(args.ignore, "--ignore")
    for warning in config.warnings:
        _eprint(f"warning: {warning}")
    return config.with_overrides(select=select, ignore=ignore,
                                 jedi=getattr(args, "jedi", None))


def _announce(config: Config, err: Console, text: bool = True) -> None:
    """The target line (text output) and, when the Twisted version is a fallback, its
    one-line notice (every format: machine output stays on stdout)."""
    notice = config.version_notice()
    if text:
        _eprint(config.version_line())
    if notice is not None:
        _eprint(notice)


def _files(args: argparse.Namespace, config: Config) -> list[str]:
    """The Python files under `args.paths`, as the engine discovers them."""
    files, missing = discover(args.paths, config)
    if missing:
        raise UsageError(f"txasync: no such file or directory: {missing[0]}")
    if not files:
        _eprint(f"txasync: no Python files in {', '.join(args.paths)}"
                + (" (after `exclude`)" if config.exclude else ""))
    if args.jobs < 1:
        raise UsageError("txasync: --jobs must be at least 1")
    return files


def _load(args: argparse.Namespace, config: Config) -> Project:
    """The project of the files under `args.paths`."""
    return load_project(_files(args, config), config, jobs=args.jobs)


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
    # `--stats` needs the decisions themselves, which the check cache does not keep.
    result = check_files(_files(args, config), config, jobs=args.jobs,
                         use_cache=not (args.no_cache or args.stats))
    # Opt-in rules (one finding per uncertain yield would drown the rest) are listed only
    # when `--select` names them; another rule's message counts them.
    findings = [f for f in result.findings if config.shown_in_reports(f.code)]
    for path in sorted(result.errors):
        message = result.errors[path]
        _eprint(_rel(path) + message[len(path):] if message.startswith(path) else message)
    n_errors = len(result.errors)
    if result.stale_evidence:
        _eprint(f"hint: {len(result.stale_evidence)} files changed since `txasync probe` "
                f"recorded its evidence ({_rel(result.stale_evidence[0])}, ...); their yields "
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
    if args.stats:
        from .report.residue import render_residue, residue

        assert result.analysis is not None  # --stats never reads the cache
        report = residue(result.analysis.decisions, config.root)
        if fmt == "json":
            print(json.dumps(report.to_json(), indent=2))
        else:
            for line in render_residue(report):
                print(line)
        return EXIT_FINDINGS if findings or n_errors else EXIT_OK
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
            _eprint(f"Found {plural(len(findings), 'finding')} ({summary}).")
            if convertible.RULE.code in counts or returnvalue.RULE.code in counts:
                _eprint("Next: `txasync fix --diff` shows the changes, `txasync fix` applies "
                        "them, `txasync plan` splits them into reviewable batches.")
            _print_public_kept(err, result.public_kept)
        elif fmt == "text" and result.sources and not n_errors and not args.baseline:
            _eprint(f"No findings in {plural(result.sources, 'Python file')}.")
    _announce(config, err, text=fmt == "text" and bool(findings))
    return EXIT_FINDINGS if findings or n_errors else EXIT_OK


def _finding_json(f: Finding) -> dict[str, Any]:
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
    """Exit codes (README, "Commands"): 0 every planned edit was written (functions left
    unconverted with a reason are reported, not failures), or `--diff` has nothing to show;
    1 `--diff` shows changes, or something could not be done: a file did not parse, could
    not be rewritten or written, a conversion was left out because of that, or a function
    named with `--only` was not converted; 2 usage or I/O errors."""
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
    as_json = args.format == "json"
    n_errors = _report_errors(project, err)
    converted: list[str] = []
    wraps = return_values = renamed = 0
    failed: list[str] = []
    changed: list[str] = []
    diffs: list[str] = []
    for outcome in outcomes:
        if outcome.error is not None or outcome.result is None:
            failed.append(outcome.error or outcome.path)
            continue
        result = outcome.result
        if result.source == outcome.original:
            continue
        changed.append(outcome.path)
        facts = project.facts.get(outcome.path)
        module = facts.module if facts is not None else ""
        converted += [function_key(module, q) for q in result.converted]
        wraps += result.wraps
        return_values += result.return_values
        renamed += result.renamed
        if args.diff:
            rel = _rel(outcome.path)
            diffs.append("".join(difflib.unified_diff(
                split_lines(outcome.original), split_lines(result.source),
                *((f"a/{rel}", f"b/{rel}") if not os.path.isabs(rel) else (rel, rel)))))
        elif not args.verify:
            source = project.sources[outcome.path]
            try:
                write_atomic(outcome.path, result.source, source.encoding, root=tree_root)
            except OSError as exc:
                failed.append(f"{outcome.path}:1:1: cannot write: {exc.strerror or exc}")
    refused = sorted((d for d in analysis.decisions.values() if d.selected and not d.changes),
                     key=lambda d: (d.facts.path, d.fn.name_span.line))
    if args.safe_only:
        refused = []
    changing = [d for d in analysis.decisions.values() if d.changes]
    if as_json:
        print(json.dumps(_fix_json(args, project, run.left_out, converted, wraps,
                                   return_values, renamed, changed, failed, refused, changing,
                                   diffs), indent=2))
    else:
        if diffs:
            sys.stdout.write("".join(diffs))
            sys.stdout.flush()  # before the summary on stderr
        for message in failed:
            _eprint(message)
        # The results go to stdout, except after a diff (stdout is the patch then).
        report = err if args.diff else out
        if args.safe_only:
            verb = "would rewrite" if args.diff else "rewrote"
            report.print(f"{verb} {plural(return_values, 'returnValue call')} in "
                         f"{plural(len(changed), 'file')}", markup=False)
        else:
            _print_summary(report, len(converted), wraps, return_values, len(changed),
                           refused, args.diff)
            if renamed:
                report.print(f"{'would fix' if args.diff else 'fixed'} "
                             f"{plural(renamed, 'test double')} that succeed with a Failure "
                             f"({failure_in_succeed.RULE.code})", markup=False)
            _print_behaviour_changes(err, changing)
            _print_public_kept(err, public_kept(analysis.decisions.values()))
        _print_left_out(err, project, run.left_out)
        if args.diff and changed:
            _eprint("Next: `txasync fix` applies these changes"
                    + ("" if only else "; `txasync plan` splits them into reviewable batches")
                    + ".")
    _announce(config, err, text=not as_json)
    named_refused = bool(only) and bool(refused)
    problems = failed or n_errors or run.left_out or named_refused
    if args.diff:
        return max(verify_status, EXIT_FINDINGS if changed or problems else EXIT_OK)
    return max(verify_status, EXIT_FINDINGS if problems else EXIT_OK)


def _fix_json(args: argparse.Namespace, project: Project, left_out: list[LeftOut],
              converted: list[str], wraps: int, return_values: int, renamed: int,
              changed: list[str], failed: list[str], refused: list[Decision],
              changing: list[Decision], diffs: list[str]) -> dict[str, Any]:
    result = {
        "dry_run": bool(args.diff),
        "converted": sorted(converted),
        "wrapped_call_sites": wraps,
        "return_values_rewritten": return_values,
        "test_doubles_fixed": renamed,
        "files_changed": [_rel(p) for p in changed],
        "not_converted": [{"function": d.key, "path": _rel(d.facts.path),
                           "line": d.fn.name_span.line, "reason": str(d.all_reasons[0])}
                          for d in refused],
        "behaviour_changes": [{"function": d.key, "path": _rel(d.facts.path),
                               "line": d.fn.name_span.line, "change": change}
                              for d in sorted(changing, key=lambda d: d.key)
                              for change in d.behaviour_changes],
        "left_out": [{"function": item.key, "error": item.error} for item in left_out],
        "errors": sorted(failed) + sorted(project.parse_errors().values()),
    }
    if args.diff:
        result["diff"] = "".join(diffs)
    return result


def _print_left_out(err: Console, project: Project, left_out: list[LeftOut]) -> None:
    """Name each function the run left unconverted because a file it needs could not be
    rewritten: one greppable line each, `path:line:col: qualname left unconverted: ` and
    the failing file's own error message (its path, position and reason)."""
    if not left_out:
        return
    err.print(Text.assemble(
        (f"{plural(len(left_out), 'function')} not converted in this run", "bold"),
        ": a file their conversion edits could not be rewritten (no written file needs "
        "them)"))
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


def _print_public_kept(err: Console, kept: int) -> None:
    """How many public functions of a library keep their Deferred API (public-api = keep)."""
    if kept:
        _eprint(f"{kept} public functions keep returning a Deferred for the library's users "
                "(public-api = keep; their bodies become async helpers)")


def _print_behaviour_changes(err: Console, changing: list) -> None:  # type: ignore[type-arg]
    """What the run changes on purpose (a latent bug fixed), one greppable line each."""
    for d in sorted(changing, key=lambda d: (d.facts.path, d.fn.name_span.line)):
        for change in d.behaviour_changes:
            _eprint(f"{_rel(d.facts.path)}:{d.fn.name_span.line}: {d.fn.qualname}: "
                    f"behaviour changes on purpose: {change}")


def _print_summary(report: Console, converted: int, wraps: int, return_values: int,
                   files: int, refused: list, dry: bool) -> None:  # type: ignore[type-arg]
    if dry:
        verbs = ("would convert", "wrap", "rewrite")
    else:
        verbs = ("converted", "wrapped", "rewrote")
    # Reasons and names are text, never markup: `[tool.txasync]` must print as written.
    report.print(Text.assemble(
        (f"{verbs[0]} {plural(converted, 'function')}", "bold"),
        f", {verbs[1]} {plural(wraps, 'call site')} in `ensureDeferred`, {verbs[2]} "
        f"{plural(return_values, 'other returnValue call')}, in {plural(files, 'file')}"))
    if refused:
        table = Table(title=f"{plural(len(refused), 'function')} not converted "
                            f"({blocked.RULE.code} in "
                            "`txasync check` gives each reason)",
                      title_justify="left")
        table.add_column("function", overflow="fold")
        table.add_column("reason", overflow="fold")
        for d in refused:
            table.add_row(Text(f"{_rel(d.facts.path)}:{d.fn.name_span.line} {d.fn.qualname}"),
                          Text(str(d.all_reasons[0])))
        report.print(table)


def cmd_plan(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .report.plan import build_plan, render_plan

    config = _config(args)
    project = _load(args, config)
    _report_errors(project, err)
    if args.batch_size < 1:
        raise UsageError("txasync: --batch-size must be at least 1")
    plan = build_plan(project, args.batch_size)
    if args.format == "json":
        print(json.dumps({**plan, "environment": config.environment_json()}, indent=2))
    else:
        render_plan(plan, out)
    _announce(config, err, text=args.format == "text")
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


# Piped or redirected output is read by programs and grep: no wrapping at 80 columns, no
# column cut, one row per line however long (tables are as wide as their contents).
PIPE_WIDTH = 10_000


def console(stderr: bool = False) -> Console:
    """A console for stdout or stderr: the terminal's width on a terminal, else unbounded."""
    made = Console(stderr=stderr, highlight=False)
    if made.is_terminal:
        return made
    return Console(stderr=stderr, highlight=False, width=PIPE_WIDTH, soft_wrap=True)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `fix ... --verify -- <test command>`: what follows `--` is the test command's.
    test_command = None
    words = [a for a in argv if not a.startswith("-")]
    if words and words[0] == "fix" and "--" in argv and "--verify" in argv[:argv.index("--")]:
        cut = argv.index("--")
        argv, test_command = argv[:cut], argv[cut + 1:]
    try:
        # Inside the `try`: building the parser imports the commands' modules, which takes
        # long enough on a loaded machine for Ctrl-C to land there.
        out = console()
        err = console(stderr=True)
        parser = build_parser()
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
        if interrupted(exc):
            # Ctrl-C during an import can surface wrapped (`__set_name__` re-raises it as a
            # RuntimeError): it is still the user's interrupt, not an internal error.
            _eprint("txasync: interrupted; files already written are complete, others "
                    "untouched")
            return 130
        _eprint(f"txasync: internal error: {type(exc).__name__}: {exc} "
                "(please report this with the file that caused it; "
                "TXASYNC_DEBUG=1 shows the traceback)")
        if os.environ.get("TXASYNC_DEBUG"):
            raise
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
