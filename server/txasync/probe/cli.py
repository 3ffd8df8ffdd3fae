"""`txasync probe [--out FILE] -- <test command>`: record what each yield sees in a test run.

The exit status is the test command's (127 when it cannot be found), so the probe can stand
in for the test command in CI; problems of the probe itself are reported on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..config import ConfigError, load_config
from .run import probe


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `txasync probe`, for the main CLI's subparser or `python -m txasync.probe`."""
    parser.add_argument("--out", metavar="FILE",
                        help="where to write the evidence (default: ROOT/.txasync/evidence.json)")
    parser.add_argument("--root", metavar="DIR",
                        help="the project tree the evidence describes (default: the directory "
                             "of the nearest pyproject.toml, where txasync looks for it, else .)")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="processes for the static analysis after the run (default: one, "
                             "or one per CPU for 500 files and more)")
    parser.add_argument("--keep-fragments", metavar="DIR",
                        help="copy the raw per-process records here (debugging)")
    # Not `command`: the main CLI keeps the subcommand's name there.
    parser.add_argument("test_command", nargs=argparse.REMAINDER, metavar="COMMAND",
                        help="the test command, after `--`")


def default_root() -> str:
    """Where `txasync check` will look for the evidence: the configuration's root."""
    try:
        return load_config(".").root
    except ConfigError:
        return "."


def run(args: argparse.Namespace) -> int:
    """Run the probe; returns the test command's exit status (2 for bad usage)."""
    command = list(args.test_command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("txasync probe: give the test command after `--`, e.g. "
              "`txasync probe -- python -m twisted.trial mypkg`", file=sys.stderr)
        return 2
    root = args.root if args.root is not None else default_root()
    if not os.path.isdir(root):
        print(f"txasync probe: no such directory: {root}", file=sys.stderr)
        return 2
    jobs = None if args.jobs is None else max(1, args.jobs)
    result = probe(command, root=root, out=args.out, jobs=jobs, keep=args.keep_fragments)
    for warning in result.warnings:
        print(f"txasync probe: warning: {warning}", file=sys.stderr)
    if result.evidence is None:
        return result.exit_code
    evidence = result.evidence
    functions = [fn for entry in evidence.get("files", {}).values()
                 for fn in entry["functions"].values()]
    ran = sum(1 for fn in functions if fn["calls"])
    processes = evidence.get("processes", 0)
    print(f"txasync probe: {ran} of {len(functions)} inlineCallbacks functions ran "
          f"in {processes} Python process{'' if processes == 1 else 'es'}; evidence in "
          f"{os.path.relpath(result.out)}", file=sys.stderr)
    return result.exit_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="txasync probe", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))
