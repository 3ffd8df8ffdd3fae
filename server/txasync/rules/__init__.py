"""The rules: every module `txa0NN_<name>.py` in this package is one rule (`RULE`).

The registry finds them by their file names, so a rule is added by adding its module (and its
golden cases), nothing else. Everything that needs a rule's code, severity, fix title or docs
reads it here or from the rule's module, never from a string of its own: rule codes are
written in this package only (tests/test_rule_examples.py checks that). docs/rules.md is
generated from the registry (`python -m txasync.rules > docs/rules.md`).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import TYPE_CHECKING

from ..analysis.findings import Finding
from .base import Rule

if TYPE_CHECKING:
    from ..analysis.hazards import Hazard, HazardContext
    from ..analysis.plan import Decision

__all__ = ["RULES", "Rule", "decision_findings", "find_hazards", "render_rules_markdown"]

_MODULE = re.compile(r"^txa(\d{3})_(\w+)$")


def _discover() -> dict[str, Rule]:
    found: dict[str, Rule] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if _MODULE.match(info.name) is None:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise TypeError(f"{module.__name__} defines no RULE")
        if rule.code in found:
            raise ValueError(f"{rule.code} is defined by {found[rule.code].module} and "
                             f"{module.__name__}")
        object.__setattr__(rule, "module", module.__name__)
        found[rule.code] = rule
    return found


# code -> rule, in code order (the order docs and reports list them in)
RULES: dict[str, Rule] = _discover()


def decision_findings(decision: Decision) -> list[Finding]:
    """The findings of one inlineCallbacks function, from its decision: every planner rule's."""
    found: list[Finding] = []
    for rule in RULES.values():
        if rule.from_decision is not None:
            found.extend(rule.from_decision(decision))
    return found


def find_hazards(context: HazardContext) -> list[Hazard]:
    """Every rule's own check over the workspace, in code order."""
    hazards: list[Hazard] = []
    for rule in RULES.values():
        if rule.check is not None:
            hazards.extend(rule.check(context))
    return hazards


def render_rules_markdown() -> str:
    """docs/rules.md, generated from the rules themselves so docs and behaviour agree."""
    example = next(iter(RULES))
    out = ["# txasync rules", "",
           "Every rule, with the examples the test suite runs (`tests/test_rule_examples.py`). "
           f"Suppress a finding with `# noqa: {example}` on its line, or with `ignore` / "
           "`per-file-ignores` in `[tool.txasync]`. Each rule is one module of "
           "`server/txasync/rules/`; this page is generated from them "
           "(`python -m txasync.rules > docs/rules.md`).", ""]
    for rule in RULES.values():
        out += [f"## {rule.code}", "",
                f"**{rule.name}** · default severity: {rule.severity} · fix: {rule.fix_safety}"
                + (" · listed by the CLI only with `--select`" if rule.opt_in else "")
                + (f" · examples checked with Twisted {rule.twisted_version}"
                   if rule.twisted_version else ""), "", rule.summary, "",
                f"Fix: {rule.fix_title}.", ""]
        for heading, text in rule.sections.items():
            out += [f"### {heading}", "", text, ""]
        for invalid in rule.invalid:
            out += ["### Flagged", "", "```python", invalid.code.rstrip(), "```", ""]
            if invalid.fixed is not None:
                out += ["After `txasync fix`:", "", "```python", invalid.fixed.rstrip(), "```",
                        ""]
            else:
                out += ["No automatic fix.", ""]
        for valid in rule.valid:
            out += ["### Not flagged", "", "```python", valid.code.rstrip(), "```", ""]
    return "\n".join(out).rstrip() + "\n"
