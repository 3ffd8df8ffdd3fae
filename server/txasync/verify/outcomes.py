"""Per-test outcomes and which inlineCallbacks functions each test ran, read from a test run.

The runtime (verify/_runtime.py) appends one JSON line per test to `outcomes-<pid>.jsonl`;
the probe's runtime lists, per function, the tests that called it. A `TestRecord` is both
for one run of the whole suite on one tree, kept in `<root>/.txasync/tests.json` so that
`txasync fix --verify` can start from a `txasync probe` run of the same tree instead of
running the suite again::

    {"format": "txasync-tests", "version": 1, "created": "...", "command": [...],
     "exit_code": 0, "tree": "<sha256 of every Python file's path and text>",
     "outcomes": {"pkg.tests.test_x.T.test_a": "pass", ...},
     "details": {"pkg.tests.test_x.T.test_b": "TypeError(...)"},
     "executed": {"pkg.tests.test_x.T.test_a": ["pkg.mod:Store.get", ...]}}

Outcomes are "pass" (expected failures included), "fail" (unexpected successes included),
"error" and "skip"; a test that did not report at all is NOT_RUN when compared.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..analysis.evidence import EVIDENCE_DIR, source_sha256
from ..analysis.facts import module_name_for
from ..analysis.index import function_key

FORMAT = "txasync-tests"
VERSION = 1
TESTS_FILE = "tests.json"
NOT_RUN = "not run"
_WORST = {"error": 3, "fail": 2, "pass": 1, "skip": 0}


def tests_path(root: str) -> str:
    return os.path.join(root, EVIDENCE_DIR, TESTS_FILE)


def read_outcomes(directory: str) -> tuple[dict[str, str], dict[str, str]]:
    """(test id -> outcome, test id -> detail) from the runtime's files in `directory`.

    A test reported more than once (a rerun, a worker and its manager) keeps its worst."""
    outcomes: dict[str, str] = {}
    details: dict[str, str] = {}
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return outcomes, details
    for name in names:
        if not (name.startswith("outcomes-") and name.endswith(".jsonl")):
            continue
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except OSError:
            continue
        for line in lines:
            try:
                entry = json.loads(line)
                test, outcome = str(entry["test"]), str(entry["outcome"])
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a killed process
            if outcome not in _WORST:
                continue
            old = outcomes.get(test)
            if old is None or _WORST[outcome] > _WORST[old]:
                outcomes[test] = outcome
                if entry.get("detail"):
                    details[test] = str(entry["detail"])
    return outcomes, details


def executed_by_test(fragments: Iterable[Mapping[str, Any]], root: str) -> dict[str, set[str]]:
    """Test id -> keys (`module:qualname`) of the inlineCallbacks functions it called."""
    executed: dict[str, set[str]] = {}
    modules: dict[str, str] = {}
    for fragment in fragments:
        for entry in fragment.get("functions", []):
            tests = entry.get("tests") or []
            if not tests:
                continue
            rel = str(entry["path"])
            module = modules.get(rel)
            if module is None:
                module = modules[rel] = module_name_for(os.path.join(root, rel))[0]
            key = function_key(module, str(entry["qualname"]))
            for test in tests:
                executed.setdefault(str(test), set()).add(key)
    return executed


def tree_digest(sources: Mapping[str, str], root: str) -> str:
    """One hash for a tree: every file's root-relative path and its text's hash."""
    digest = hashlib.sha256()
    for path in sorted(sources):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        digest.update(f"{rel}\0{source_sha256(sources[path])}\n".encode())
    return digest.hexdigest()


def tree_sources(root: str) -> dict[str, str]:
    """The text of every Python file txasync looks at under `root` (absolute paths)."""
    from ..config import Config, ConfigError, load_config
    from ..engine import SourceError, discover, read_source

    try:
        config = load_config(root)
    except ConfigError:
        config = Config(root=root)
    files, _ = discover([root], config)
    sources: dict[str, str] = {}
    for path in files:
        try:
            sources[path] = read_source(path).text
        except SourceError:
            continue
    return sources


@dataclass
class TestRecord:
    """One run of the suite: each test's outcome and the functions each test ran."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    command: list[str]
    tree: str
    exit_code: int
    outcomes: dict[str, str]
    details: dict[str, str] = field(default_factory=dict)
    executed: dict[str, set[str]] = field(default_factory=dict)
    created: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION,
            "created": self.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": list(self.command), "exit_code": self.exit_code, "tree": self.tree,
            "outcomes": dict(sorted(self.outcomes.items())),
            "details": dict(sorted(self.details.items())),
            "executed": {t: sorted(keys) for t, keys in sorted(self.executed.items())},
        }

    def save(self, root: str) -> str:
        path = tests_path(root)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(self.to_json(), handle, indent=1)
            handle.write("\n")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, root: str) -> TestRecord | None:
        """The record in `<root>/.txasync/tests.json`, None if missing or unusable."""
        try:
            with open(tests_path(root), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT or \
                data.get("version") != VERSION or not isinstance(data.get("outcomes"), dict):
            return None
        return cls(command=list(data.get("command", [])), tree=str(data.get("tree", "")),
                   exit_code=int(data.get("exit_code", 0) or 0),
                   outcomes={str(k): str(v) for k, v in data["outcomes"].items()},
                   details={str(k): str(v) for k, v in data.get("details", {}).items()},
                   executed={str(k): set(v) for k, v in data.get("executed", {}).items()},
                   created=str(data.get("created", "")))


def changed_tests(before: Mapping[str, str], after: Mapping[str, str],
                  tests: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
    """Tests whose outcome differs: test id -> (before, after), NOT_RUN where one is missing.

    `tests` limits the comparison (a run of some tests only); by default every test either
    run reported is compared."""
    names = set(tests) if tests is not None else set(before) | set(after)
    changed = {}
    for test in sorted(names):
        old, new = before.get(test, NOT_RUN), after.get(test, NOT_RUN)
        if old != new:
            changed[test] = (old, new)
    return changed
