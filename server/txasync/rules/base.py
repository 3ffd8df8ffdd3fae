"""What a rule is: its metadata, its docs, its examples, and how it finds what it reports.

A rule is one module `rules/txa0NN_<name>.py` holding a `RULE = Rule(...)`; the registry
(`rules/__init__.py`) discovers the modules, so adding a rule adds nothing anywhere else. The
module's docstring is the rule's documentation, in ruff's sections; its `## Example` and
`## Use instead` code blocks are run by the tests like the `invalid` and `valid` examples.

Detection is either per rule (`check`, over the whole workspace: what hazards in already async
code need) or from the planner's decision about one inlineCallbacks function
(`from_decision`): the planner's analysis is shared by several rules and stays in
`analysis/plan.py`, and each such rule only words what the decision says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..analysis.findings import Finding, FixSafety, Severity
from ..analysis.model import Span

if TYPE_CHECKING:
    from ..analysis.hazards import Hazard, HazardContext
    from ..analysis.plan import Decision

# Rule docs ship with the project: docs/rules.md, one section per code.
DOCS_URL = "https://github.com/txasync/txasync/blob/main/docs/rules.md"

# The sections of a rule's docstring, in order (ruff's, plus the Twisted versions measured).
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety",
            "Twisted versions")

# Where a rule's detection lives: its own `check`, or the planner's decisions.
Detection = Literal["check", "planner"]

Check = Callable[["HazardContext"], Iterable["Hazard"]]
FromDecision = Callable[["Decision"], Iterable[Finding]]


@dataclass(frozen=True)
class Invalid:
    """Code the rule flags, and what `txasync fix` makes of it (None: no automatic fix, the
    text stays as it is)."""

    code: str
    fixed: str | None


@dataclass(frozen=True)
class Valid:
    """Code the rule does not flag."""

    code: str


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    fix_safety: FixSafety  # the default; a finding may say otherwise (safe here, none there)
    summary: str  # one paragraph: SARIF's description, the head of the rule's docs
    doc: str  # the module's docstring, in SECTIONS
    fix_title: str  # what the editor's quick fix (or the docs, for no fix of its own) says
    invalid: tuple[Invalid, ...]
    valid: tuple[Valid, ...]
    check: Check | None = None
    from_decision: FromDecision | None = None
    twisted_version: str | None = None  # the Twisted the examples are checked with
    # The CLI lists its findings only when `select` names the code (one per uncertain
    # yield would drown the rest on a large project).
    opt_in: bool = False
    tags: tuple[str, ...] = ()  # SARIF / LSP tags ("deprecated")
    # An unsafe fix's editor title says "(unsafe: see the message)" unless the title itself
    # says what changes.
    unsafe_note: bool = True
    module: str = field(default="", compare=False)  # set by the registry

    @property
    def detection(self) -> Detection:
        return "check" if self.check is not None else "planner"

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.code.lower()}"

    @property
    def sections(self) -> dict[str, str]:
        """The docstring's sections by heading (text without the heading line)."""
        return doc_sections(self.doc)

    def examples(self) -> tuple[tuple[Invalid, ...], tuple[Valid, ...]]:
        """Every example the tests run: the docstring's `Example` (flagged; its fix is not
        pinned) and `Use instead` (clean), then the module's own."""
        sections = self.sections
        invalid = tuple(Invalid(c, None) for c in code_blocks(sections.get("Example", "")))
        valid = tuple(Valid(c) for c in code_blocks(sections.get("Use instead", "")))
        return invalid + self.invalid, valid + self.valid

    def finding(self, path: str, span: Span, message: str, function: str = "",
                fix_safety: FixSafety | None = None, reason: str = "",
                data: dict[str, Any] | None = None) -> Finding:
        return Finding(self.code, path, span, message, self.severity,
                       fix_safety or self.fix_safety, function, reason, data or {})


_HEADING = re.compile(r"^## (.+)$", re.M)
_CODE = re.compile(r"```python\n(.*?)```", re.S)


def doc_sections(doc: str) -> dict[str, str]:
    """`## Heading` sections of a rule's docstring (Markdown written for docs/rules.md)."""
    parts = _HEADING.split(doc)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def code_blocks(section: str) -> list[str]:
    return _CODE.findall(section)


TWISTED_IMPORT = "from twisted.internet import defer\n\n\n"


def decorator_caveat(decorator: str) -> str:
    """Behind a decorator txasync cannot see through, a call of an `async def` may already
    return a Deferred: the hazard rules say so instead of asserting (the wrap is harmless
    then)."""
    if not decorator:
        return ""
    return (f" (unless its decorator `@{decorator}` already makes it return a Deferred; the "
            "wrap is harmless then)")
