"""Every rule's examples, as kept in its module, hold: flagged, clean, and fixed; and every
rule is a complete unit (docs, examples, fix title), the only place its code is written."""

from __future__ import annotations

import pathlib
import re

import pytest

from txasync.config import Config, parse_version
from txasync.engine import fix_text
from txasync.rules import RULES, render_rules_markdown
from txasync.rules.base import SECTIONS, Invalid, Rule, Valid

ROOT = pathlib.Path(__file__).parent.parent
PACKAGE = ROOT / "server" / "txasync"


def config_for(rule: Rule) -> Config:
    """The rule's Twisted; an opt-in rule selected by name, as a user turns it on."""
    return Config(twisted_version=parse_version(rule.twisted_version or "26.10"),
                  select=frozenset({"TXA", rule.code}) if rule.opt_in else frozenset())


INVALID = [(rule, i, ex) for rule in RULES.values() for i, ex in enumerate(rule.examples()[0])]
VALID = [(rule, i, ex) for rule in RULES.values() for i, ex in enumerate(rule.examples()[1])]


@pytest.mark.parametrize("rule, index, example", INVALID,
                         ids=[f"{r.code}-{i}" for r, i, _ in INVALID])
def test_invalid_example_is_flagged(rule: Rule, index: int, example: Invalid) -> None:
    _, analysis = fix_text(example.code, config=config_for(rule))
    assert rule.code in {f.code for f in analysis.findings}


@pytest.mark.parametrize("rule, index, example", VALID,
                         ids=[f"{r.code}-{i}" for r, i, _ in VALID])
def test_valid_example_is_clean(rule: Rule, index: int, example: Valid) -> None:
    _, analysis = fix_text(example.code, config=config_for(rule))
    assert rule.code not in {f.code for f in analysis.findings}


FIXES = [(rule, i, ex) for rule in RULES.values() for i, ex in enumerate(rule.invalid)]


@pytest.mark.parametrize("rule, index, example", FIXES,
                         ids=[f"{r.code}-{i}" for r, i, _ in FIXES])
def test_invalid_example_is_fixed_as_documented(rule: Rule, index: int,
                                                example: Invalid) -> None:
    fixed, _ = fix_text(example.code, config=config_for(rule))
    assert fixed == (example.code if example.fixed is None else example.fixed)


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
def test_every_rule_is_complete(rule: Rule) -> None:
    """Docs in ruff's sections (with an Example and a Use instead to run), several
    examples, a fix title, and a module named after it."""
    assert list(rule.sections) == list(SECTIONS), (rule.code, list(rule.sections))
    assert all(rule.sections.values()), rule.code
    invalid, valid = rule.examples()
    assert len(invalid) >= 2 and len(valid) >= 2, rule.code
    assert any(ex.fixed is not None for ex in rule.invalid) or rule.fix_safety == "none"
    assert rule.fix_title and rule.summary, rule.code
    assert rule.module.rsplit(".", 1)[-1] == (
        f"{rule.code.lower()}_{rule.name.replace('-', '_')}"), rule.module
    assert (rule.check is None) != (rule.from_decision is None), rule.code


def test_docs_are_generated_from_the_rules() -> None:
    docs = (ROOT / "docs" / "rules.md").read_text()
    for code in RULES:
        assert f"## {code}" in docs, code
    assert docs == render_rules_markdown(), (
        "docs/rules.md is stale: python -m txasync.rules > docs/rules.md")



def test_rule_codes_are_written_only_in_the_rules_package() -> None:
    """A rule's code is its module's: everything else reads it from the registry (or the
    rule's module), so adding or renumbering a rule touches one module."""
    code = re.compile(r"\bTXA\d{3}\b")
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "rules" in path.relative_to(PACKAGE).parts[:1]:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if code.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
