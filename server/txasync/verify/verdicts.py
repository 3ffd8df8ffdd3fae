"""What `txasync fix --verify` proved: conversions that changed a test's outcome.

Kept in `<root>/.txasync/verdicts.json` (commit it: it is the project's knowledge)::

    {"format": "txasync-verdicts", "version": 1, "verdicts": [
      {"function": "pkg.mod:Service.profile",      # module:qualname
       "function_sha256": "...",                   # of the function's source text
       "test": "pkg.tests.test_mod.T.test_profile", # as the runner names it
       "test_sha256": "...",                       # of the test's source, "" if not found
       "before": "pass", "after": "error", "detail": "TypeError(...)",
       "date": "2025-01-01", "commit": "abc123...", "command": [...]}]}

A verdict holds while the function's source and the test's source hash as recorded (their
position in the file does not matter): change either and the next `fix` tries the
conversion again. While it holds, the planner refuses the function (reason kind
"verdict"), so `check`, `plan`, `progress` and the editor say why.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..analysis.evidence import EVIDENCE_DIR, source_sha256
from ..analysis.model import FunctionFact, ModuleFacts
from ..analysis.reasons import Reason

FORMAT = "txasync-verdicts"
VERSION = 1
VERDICTS_FILE = "verdicts.json"


def verdicts_path(root: str) -> str:
    return os.path.join(root, EVIDENCE_DIR, VERDICTS_FILE)


@dataclass
class Verdict:
    function: str
    function_sha256: str
    test: str
    test_sha256: str
    before: str
    after: str
    detail: str = ""
    date: str = ""
    commit: str = ""
    command: list[str] = field(default_factory=list)

    def reason(self) -> Reason:
        detail = f" ({self.detail})" if self.detail else ""
        return Reason(
            "verdict",
            f"converting it changed the outcome of the test `{self.test}` from {self.before} "
            f"to {self.after}{detail} (`txasync fix --verify`, {self.date or 'earlier'}); "
            "change the function or the test to try again")


def function_text(source: str, fn: FunctionFact) -> str:
    """The function's source (decorators included), as it stands in `source`."""
    lines = source.splitlines()
    return "\n".join(lines[fn.span.line - 1:fn.span.end_line])


def function_sha256(source: str, fn: FunctionFact) -> str:
    return source_sha256(function_text(source, fn))


def load_verdicts(root: str) -> list[Verdict]:
    try:
        with open(verdicts_path(root), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("format") != FORMAT or \
            data.get("version") != VERSION:
        return []
    found = []
    for entry in data.get("verdicts", []):
        try:
            found.append(Verdict(**{k: entry[k] for k in Verdict.__dataclass_fields__
                                    if k in entry}))
        except TypeError:
            continue
    return found


def save_verdicts(root: str, verdicts: Iterable[Verdict]) -> str:
    path = verdicts_path(root)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    unique = {(v.function, v.test): v for v in verdicts}
    data: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                            "verdicts": [asdict(v) for _, v in sorted(unique.items())]}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
        handle.write("\n")
    os.replace(tmp, path)
    return path


def locate_test(test_id: str, facts_by_path: Mapping[str, ModuleFacts], root: str
                ) -> tuple[ModuleFacts, FunctionFact] | None:
    """The test function a runner's id names: trial's `pkg.mod.Class.test_x` or pytest's
    `path/to/test_mod.py::Class::test_x` (parameters dropped)."""
    if "::" in test_id:
        path, *names = test_id.split("::")
        qualname = ".".join(names).split("[", 1)[0]
        for candidate in (os.path.join(root, path), os.path.abspath(path)):
            facts = facts_by_path.get(os.path.normpath(candidate))
            if facts is not None:
                fn = facts.function(qualname)
                return (facts, fn) if fn is not None else None
        # a runner started elsewhere: match on the path's tail
        tail = path.replace("/", os.sep)
        for full, facts in facts_by_path.items():
            if full.endswith(os.sep + tail) or full == tail:
                fn = facts.function(qualname)
                return (facts, fn) if fn is not None else None
        return None
    modules = {facts.module: facts for facts in facts_by_path.values()}
    parts = test_id.split(".")
    for i in range(len(parts) - 1, 0, -1):
        facts = modules.get(".".join(parts[:i]))
        if facts is not None:
            fn = facts.function(".".join(parts[i:]))
            return (facts, fn) if fn is not None else None
    return None


def valid_verdicts(verdicts: Iterable[Verdict], facts_by_path: Mapping[str, ModuleFacts],
                   functions: Mapping[str, tuple[ModuleFacts, FunctionFact]],
                   sources: Mapping[str, str], root: str) -> dict[str, Verdict]:
    """Function key -> the verdict that still holds for it (function and test unchanged).

    `facts_by_path` and `sources` are by absolute path, `functions` by key (the index's)."""
    held: dict[str, Verdict] = {}
    for verdict in verdicts:
        found = functions.get(verdict.function)
        if found is None:
            continue
        facts, fn = found
        text = sources.get(facts.path)
        if text is None or function_sha256(text, fn) != verdict.function_sha256:
            continue
        if verdict.test_sha256:
            test = locate_test(verdict.test, facts_by_path, root)
            if test is not None:
                tfacts, tfn = test
                ttext = sources.get(tfacts.path)
                if ttext is None or function_sha256(ttext, tfn) != verdict.test_sha256:
                    continue
        held.setdefault(verdict.function, verdict)
    return held
