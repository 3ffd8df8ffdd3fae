"""`python -m txasync.rules > docs/rules.md`: the rules' docs, generated from the registry."""

from __future__ import annotations

from . import render_rules_markdown

print(render_rules_markdown(), end="")
