"""Every rule's examples, as kept next to the rule, hold: flagged, clean, and fixed."""

from __future__ import annotations

import pytest

from txasync.analysis.rules import RULES
from txasync.config import OPT_IN_CODES, Config, parse_version
from txasync.engine import fix_text


def config_for(rule_code: str) -> Config:
    version = RULES[rule_code].twisted_version or "26.10"
    # An opt-in rule runs only where `select` names it (TXA005, TXA006).
    select = frozenset({"TXA", rule_code}) if rule_code in OPT_IN_CODES else frozenset()
    return Config(twisted_version=parse_version(version), select=select)
CASES = [(rule.code, i, ex) for rule in RULES.values() for i, ex in enumerate(rule.examples)]


@pytest.mark.parametrize("code, index, example", CASES, ids=[f"{c}-{i}" for c, i, _ in CASES])
def test_flagged_example_is_flagged(code: str, index: int, example) -> None:
    _, analysis = fix_text(example.flagged, config=config_for(code))
    assert code in {f.code for f in analysis.findings}


@pytest.mark.parametrize("code, index, example", CASES, ids=[f"{c}-{i}" for c, i, _ in CASES])
def test_clean_example_is_clean(code: str, index: int, example) -> None:
    _, analysis = fix_text(example.clean, config=config_for(code))
    assert code not in {f.code for f in analysis.findings}


@pytest.mark.parametrize("code, index, example", CASES, ids=[f"{c}-{i}" for c, i, _ in CASES])
def test_fixed_example_is_the_fix(code: str, index: int, example) -> None:
    fixed, _ = fix_text(example.flagged, config=config_for(code))
    if example.fixed is None:
        assert fixed == example.flagged
    else:
        assert fixed == example.fixed


def test_every_rule_has_an_example_and_a_docs_section() -> None:
    import pathlib

    docs = (pathlib.Path(__file__).parent.parent / "docs" / "rules.md").read_text()
    for rule in RULES.values():
        assert rule.examples, rule.code
        assert f"## {rule.code}" in docs, rule.code


def test_docs_are_generated_from_the_rules() -> None:
    import pathlib

    from txasync.analysis.rules import render_rules_markdown

    docs = (pathlib.Path(__file__).parent.parent / "docs" / "rules.md").read_text()
    assert docs == render_rules_markdown(), (
        "docs/rules.md is stale: python -m txasync.analysis.rules > docs/rules.md")


def test_every_fixable_rule_has_an_editor_fix_title() -> None:
    """A rule whose finding carries a fix offers it in the editor under a title of its own
    (TXA001/TXA002 are the conversion actions, titled by the server itself)."""
    from txasync.lsp.actions import FIX_TITLES

    fixable = {code for code, rule in RULES.items()
               if rule.fix_safety != "none"
                and code not in ("TXA001", "TXA002", "TXA005", "TXA006")}
    assert fixable <= set(FIX_TITLES), sorted(fixable - set(FIX_TITLES))
