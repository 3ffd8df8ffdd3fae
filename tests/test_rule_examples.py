"""Every rule's examples, as kept next to the rule, hold: flagged, clean, and fixed."""

from __future__ import annotations

import pytest

from txasync.analysis.rules import RULES
from txasync.config import Config
from txasync.engine import fix_text

CONFIG = Config(twisted_version=(26, 10))
CASES = [(rule.code, i, ex) for rule in RULES.values() for i, ex in enumerate(rule.examples)]


@pytest.mark.parametrize("code, index, example", CASES, ids=[f"{c}-{i}" for c, i, _ in CASES])
def test_flagged_example_is_flagged(code: str, index: int, example) -> None:
    _, analysis = fix_text(example.flagged, config=CONFIG)
    assert code in {f.code for f in analysis.findings}


@pytest.mark.parametrize("code, index, example", CASES, ids=[f"{c}-{i}" for c, i, _ in CASES])
def test_clean_example_is_clean(code: str, index: int, example) -> None:
    _, analysis = fix_text(example.clean, config=CONFIG)
    assert code not in {f.code for f in analysis.findings}


@pytest.mark.parametrize("code, index, example", CASES, ids=[f"{c}-{i}" for c, i, _ in CASES])
def test_fixed_example_is_the_fix(code: str, index: int, example) -> None:
    fixed, _ = fix_text(example.flagged, config=CONFIG)
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
