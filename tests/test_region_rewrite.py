"""The folded rewrite (rewrite/region.py) gives exactly the whole module's rewrite.

"Convert to async" in the editor rewrites only the top-level statements (and class members)
the plan touches, the rest folded into placeholders. Its output must be the one LibCST gives
on the whole module, byte for byte: checked on every golden case and on generated modules
(strategies.py), for the whole-file plan and for each function converted alone, with folding
forced on for files of any size.
"""

from __future__ import annotations

import copy
import os

import pytest
from hypothesis import HealthCheck, assume, given, settings

from strategies import mixed_modules, planted_modules
from test_golden import CASES, case_params
from txasync import engine
from txasync.analysis.aliases import generator_aliases_for, modules_by_name
from txasync.analysis.findings import FilePlan
from txasync.analysis.model import GeneratorAlias
from txasync.config import Config
from txasync.engine import Project
from txasync.rewrite import convert, region
from txasync.rewrite.convert import RewriteError, rewrite_source

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")


@pytest.fixture(autouse=True)
def fold_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(region, "MIN_LINES", 0)


def _aliases(project: Project, path: str) -> dict[str, GeneratorAlias]:
    """The module's aliases of Generator, as `engine.compute_fixes` gives them."""
    return generator_aliases_for(project.facts[path], modules_by_name(project.facts.values()))


def _rewrite(project: Project, path: str, plan: FilePlan, use_region: bool) -> str:
    try:
        return rewrite_source(project.sources[path].text, copy.deepcopy(plan),
                              project.facts[path], path, aliases=_aliases(project, path),
                              region=use_region).source
    except RewriteError as exc:
        return f"error: {exc}"


def _plans(project: Project) -> list[dict[str, FilePlan]]:
    """The whole project's plans, and each convertible function's alone."""
    analysis = engine.analyse(project)
    found = [engine.plans_for(project, analysis)]
    for key, decision in sorted(analysis.decisions.items()):
        if decision.changes:
            found.append(engine.conversion_plan(project, {key}).plans)
    return found


def check_same(project: Project) -> int:
    """Every plan's folded rewrite equals the whole module's, and is made from the folded
    module (not by falling back to the whole one); how many were folded."""
    compared = 0
    for plans in _plans(project):
        for path, plan in plans.items():
            whole = _rewrite(project, path, plan, False)
            folded = _rewrite(project, path, plan, True)
            assert folded == whole, f"{path}: the folded rewrite differs"
            text, facts = project.sources[path].text, project.facts[path]
            parts = region.fold(text, plan, facts)
            if parts is None or whole.startswith("error: "):
                continue
            direct = convert._rewrite(text, copy.deepcopy(plan), facts, path, "none", "",
                                      _aliases(project, path), folded=parts)
            assert direct is not None, f"{path}: the folded rewrite fell back"
            assert direct.source == whole
            compared += 1
    return compared


@pytest.mark.parametrize("case", case_params())
def test_golden_cases_rewrite_the_same_folded(case) -> None:  # type: ignore[no-untyped-def]
    path = os.path.abspath(str(case.path / "before.py"))
    project = engine.load_project([], case.config, overlays={path: case.before})
    check_same(project)


def test_golden_cases_are_folded() -> None:
    """Folding applies to most golden cases: the comparison above is not vacuous."""
    folded = 0
    for case in CASES:
        path = os.path.abspath(str(case.path / "before.py"))
        project = engine.load_project([], case.config, overlays={path: case.before})
        for plans in _plans(project):
            for plan_path, plan in plans.items():
                text = project.sources[plan_path].text
                folded += region.fold(text, plan, project.facts[plan_path]) is not None
    assert folded >= 40


def test_placeholders_keep_every_position() -> None:
    source = ("import os\n\n\nclass A:\n    x = 1\n\n    def f(self):\n        return 1\n\n"
              "    def g(self):\n        pass\n\n\ndef h():\n    return os\n")
    project = engine.load_project([], Config(), overlays={"/m.py": source})
    facts = project.facts["/m.py"]
    fn = facts.function("A.g")
    assert fn is not None
    plan = FilePlan("/m.py", return_values=[fn.span])
    folded = region.fold(source, plan, facts)
    assert folded is not None
    assert len(folded.text.splitlines()) == len(source.splitlines())
    kept = folded.text.splitlines()
    assert kept[9] == "    def g(self):" and kept[0] == "import os"
    assert "def f" not in folded.text and "def h" not in folded.text
    assert folded.unfold(folded.text) == source


_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                            HealthCheck.data_too_large])


def _compiles(source: str) -> bool:
    try:
        compile(source, "m.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


@_SETTINGS
@given(source=planted_modules())
def test_generated_modules_rewrite_the_same_folded(source: str) -> None:
    assume(_compiles(source))
    project = engine.load_project([], Config(), overlays={"/gen/m.py": source})
    check_same(project)


@_SETTINGS
@given(source=mixed_modules())
def test_mixed_modules_rewrite_the_same_folded(source: str) -> None:
    assume(_compiles(source))
    project = engine.load_project([], Config(), overlays={"/gen/m.py": source})
    check_same(project)
