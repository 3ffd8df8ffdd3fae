"""Golden before/after cases: `fix_text(before.py)` must give `after.py` byte for byte.

Each case is a folder under tests/golden/ with `before.py`, `after.py` and an optional
`case.toml`:

    twisted_version = "22.4"          # the project's minimum Twisted (default "26.10")
    unknown_yield = "maybe-deferred"  # Config.unknown_yield
    wrapper = "fromCoroutine"         # Config.wrapper
    coroutine_aware_decorators = ["traced"]
    refused = ["Class.method: substring of the TXA002 reason", ...]

Every after.py was reviewed by hand against docs/twisted-semantics.md;
to add a case, write before.py, generate after.py with `fix_text`, and review it the same way.
Besides the exact match, each case checks that the fix is idempotent, compiles, leaves no
`yield`/`returnValue` in an `async def`, reports exactly the listed refusals, and touches no
line outside a converted function, a wrapped call or an import.
"""

from __future__ import annotations

import ast
import difflib
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from source_checks import is_ic_decorator, is_return_value, own_frame
from txasync.config import Config, parse_version
from txasync.engine import fix_text
from txasync.lines import split_lines

GOLDEN = Path(__file__).parent / "golden"
# A case is any folder holding a before.py: a rule's own cases sit in tests/golden/<code>/.
CASE_DIRS = sorted(p.parent for p in GOLDEN.rglob("before.py"))
DEFAULT_VERSION = "26.10"


@dataclass
class Case:
    path: Path
    config: Config
    refused: dict[str, list[str]] = field(default_factory=dict)

    @property
    def before(self) -> str:
        return (self.path / "before.py").read_text(encoding="utf-8")

    @property
    def after(self) -> str:
        return (self.path / "after.py").read_text(encoding="utf-8")

    def fix(self, text: str | None = None):  # type: ignore[no-untyped-def]
        """`fix_text` of before.py (or of `text`), as (new source, analysis)."""
        source = self.before if text is None else text
        return _fix(source, str(self.path / "before.py"), self.config)


@functools.lru_cache(maxsize=256)
def _fix(source: str, path: str, config: Config):  # type: ignore[no-untyped-def]
    return fix_text(source, path=path, config=config)


def load_case(path: Path) -> Case:
    toml = path / "case.toml"
    data = tomllib.loads(toml.read_text(encoding="utf-8")) if toml.is_file() else {}
    unknown = set(data) - {"twisted_version", "unknown_yield", "wrapper",
                           "coroutine_aware_decorators", "refused", "select"}
    assert not unknown, f"{toml}: unknown keys {sorted(unknown)}"
    kwargs: dict[str, object] = {
        "twisted_version": parse_version(str(data.get("twisted_version", DEFAULT_VERSION))),
    }
    if "unknown_yield" in data:
        kwargs["unknown_yield"] = data["unknown_yield"]
    if "wrapper" in data:
        kwargs["wrapper"] = data["wrapper"]
    if "select" in data:  # opt-in rules (TXA005, TXA006)
        kwargs["select"] = frozenset(data["select"])
    if "coroutine_aware_decorators" in data:
        kwargs["coroutine_aware_decorators"] = frozenset(data["coroutine_aware_decorators"])
    refused: dict[str, list[str]] = {}
    for entry in data.get("refused", []):
        name, _, reason = entry.partition(":")
        refused.setdefault(name.strip(), []).append(reason.strip())
    return Case(path, Config(**kwargs), refused)  # type: ignore[arg-type]


CASES = [load_case(p) for p in CASE_DIRS]


def case_params():  # type: ignore[no-untyped-def]
    return [pytest.param(c, id=c.path.relative_to(GOLDEN).as_posix()) for c in CASES]


def _changes(decision) -> bool:  # type: ignore[no-untyped-def]
    """Whether this run rewrites the function (plainly, or keeping a Deferred wrapper)."""
    changes = getattr(decision, "changes", None)
    return decision.convertible if changes is None else bool(changes)


def _qualnames(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + node.name] = node
                walk(node.body, f"{prefix}{node.name}.<locals>.")
            elif isinstance(node, ast.ClassDef):
                walk(node.body, f"{prefix}{node.name}.")
            else:  # if/for/while/with/try bodies hold definitions too
                walk([c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)], prefix)
                for handler in getattr(node, "handlers", None) or []:
                    walk(handler.body, prefix)

    walk(tree.body, "")
    return found


# -- the suite itself ------------------------------------------------------------------------


def test_suite_size() -> None:
    converting = [c for c in CASES if "async def" in c.after and "async def" not in c.before]
    refusing = [c for c in CASES if c.refused or "noqa" in c.path.name]
    assert len(converting) >= 34, [c.path.name for c in converting]
    assert len(refusing) >= 12, [c.path.name for c in refusing]
    assert all((c.path / "after.py").is_file() for c in CASES)


@pytest.mark.parametrize("case", case_params())
def test_matches_after(case: Case) -> None:
    new, _ = case.fix()
    assert new == case.after


@pytest.mark.parametrize("case", case_params())
def test_idempotent(case: Case) -> None:
    again, _ = case.fix(case.after)
    assert again == case.after


@pytest.mark.parametrize("case", case_params())
def test_compiles(case: Case) -> None:
    compile(case.before, str(case.path / "before.py"), "exec", dont_inherit=True)
    compile(case.after, str(case.path / "after.py"), "exec", dont_inherit=True)


@pytest.mark.parametrize("case", case_params())
def test_no_generator_left_in_async_def(case: Case) -> None:
    tree = ast.parse(case.after)
    for node in ast.walk(tree):
        if not isinstance(node, ast.AsyncFunctionDef):
            continue
        assert not any(is_ic_decorator(d) for d in node.decorator_list), node.name
        for inner in own_frame(node):
            assert not isinstance(inner, (ast.Yield, ast.YieldFrom)), (
                f"{node.name}: own yield at line {inner.lineno}")  # type: ignore[attr-defined]
            assert not is_return_value(inner), (
                f"{node.name}: returnValue at line {inner.lineno}")  # type: ignore[attr-defined]
    # Every function the engine says it rewrites is no longer an inlineCallbacks generator.
    _, analysis = case.fix()
    defs = _qualnames(tree)
    for key, decision in analysis.decisions.items():
        if not _changes(decision):
            continue
        qualname = key.split(":", 1)[1]
        fn = defs.get(qualname)
        assert fn is not None, f"{qualname} missing from after.py"
        assert not any(is_ic_decorator(d) for d in fn.decorator_list), qualname
        assert not any(isinstance(n, (ast.Yield, ast.YieldFrom)) or is_return_value(n)
                       for n in own_frame(fn)), qualname


@pytest.mark.parametrize("case", case_params())
def test_refusals(case: Case) -> None:
    _, analysis = case.fix()
    refused = {f.function: f for f in analysis.findings if f.code == "TXA002" or (
        f.code in ("TXA005", "TXA006") and f.reason and not f.data.get("keep_api"))}
    assert set(refused) == set(case.refused), (
        {name: f.reason for name, f in refused.items()})
    for name, substrings in case.refused.items():
        finding = refused[name]
        reasons = [finding.reason, *finding.data.get("reasons", [])]
        for substring in substrings:
            assert any(substring in r for r in reasons), (name, substring, reasons)
        decision = next(d for k, d in analysis.decisions.items()
                        if k.split(":", 1)[1] == name)
        assert not decision.convertible
    if not case.refused:
        # Nothing refused: every inlineCallbacks function converts (or is noqa-suppressed).
        tree = ast.parse(case.after)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and "noqa" not in case.path.name:
                assert not any(is_ic_decorator(d) for d in node.decorator_list), node.name


def _allowed_lines(case: Case) -> set[int]:
    """Lines of before.py the fix may touch: rewritten functions, wrapped calls, imports."""
    _, analysis = case.fix()
    allowed: set[int] = set()

    def add(span) -> None:  # type: ignore[no-untyped-def]
        allowed.update(range(span.line, span.end_line + 1))

    for decision in analysis.decisions.values():
        fn = decision.fn
        if _changes(decision):
            add(fn.span)
            if fn.ic_call_span is not None:
                add(fn.ic_call_span)
            for _, wrap in decision.wraps:
                add(wrap.span)
        else:
            for rv in fn.return_values:
                add(rv.span)
    for hazard in analysis.hazards:
        if hazard.rename is not None:
            add(hazard.rename[0])
    for node in ast.walk(ast.parse(case.before)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            allowed.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return allowed


def _is_import_line(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(("import ", "from ")) and " import " in f" {stripped}"


@pytest.mark.parametrize("case", case_params())
def test_changes_confined(case: Case) -> None:
    # Lines as Python numbers them (not str.splitlines, which also breaks at form feeds).
    before = [line.rstrip("\r\n") for line in split_lines(case.before)]
    after = [line.rstrip("\r\n") for line in split_lines(case.after)]
    allowed = _allowed_lines(case)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for index in range(i1, i2):  # 0-based indexes of replaced/deleted before-lines
            assert index + 1 in allowed or not before[index].strip(), (
                f"line {index + 1} changed outside a rewritten region: {before[index]!r}")
        if tag == "insert":
            inserted = after[j1:j2]
            near = {i1, i1 + 1} & allowed  # the lines either side of the insertion point
            assert near or all(not s.strip() or _is_import_line(s) for s in inserted), (
                f"lines inserted after before.py line {i1} outside a rewritten region: "
                f"{inserted!r}")
