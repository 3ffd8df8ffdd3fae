"""Keep-API helper names across files: the class hierarchy is one namespace for them.

`__start` in class `Service` is really `_Service__start`; a subclass also named `Service`
(in another module) that got the same helper would override its base's, so the base's
wrapper would run the subclass's body, which calls `super().start()`, forever. The
single-file shapes (two methods wanting one helper, a module name already taken) are the
golden case keep_api_helper_names.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from txasync import engine
from txasync.analysis.findings import ConvertFunction, FilePlan
from txasync.cli import main
from txasync.config import Config
from txasync.rewrite.convert import rewrite_source

BASE = '''\
from twisted.internet import defer


class Service:
    @defer.inlineCallbacks
    def start(self, log):
        yield defer.succeed(None)
        log.append("base")
        defer.returnValue("base")


def run(obj, log):
    return obj.start(log) if obj else None
'''

SUB = '''\
from twisted.internet import defer

from pkg import base


class Service(base.Service):
    @defer.inlineCallbacks
    def start(self, log):
        yield super().start(log)
        log.append("sub")
        defer.returnValue("sub")
'''

RUN = '''\
from pkg import base, sub

log = []
results = []
base.run(sub.Service(), log).addBoth(results.append)
base.run(base.Service(), log).addBoth(results.append)
print(results, log)
'''


def project(root: Path) -> Path:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "base.py").write_text(BASE)
    (root / "pkg" / "sub.py").write_text(SUB)
    return root


def run(root: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", RUN], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_same_named_classes_of_one_hierarchy_get_different_helpers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    before = run(root)
    assert before == "['sub', 'base'] ['base', 'sub', 'base']"
    assert main(["fix", "--jobs", "1", str(root / "pkg")]) == 0
    capsys.readouterr()
    base_text = (root / "pkg" / "base.py").read_text()
    sub_text = (root / "pkg" / "sub.py").read_text()
    assert "async def __start(self, log)" in base_text
    assert "async def __start(" not in sub_text and "async def __start_async(" in sub_text
    assert run(root) == before
    # Nothing is left to convert: a second run changes no byte.
    main(["fix", "--jobs", "1", str(root / "pkg")])
    capsys.readouterr()
    assert (root / "pkg" / "base.py").read_text() == base_text
    assert (root / "pkg" / "sub.py").read_text() == sub_text


def test_helper_names_are_the_same_on_every_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    diffs = []
    for _ in range(2):
        main(["fix", "--jobs", "1", "--diff", str(root / "pkg")])
        diffs.append(capsys.readouterr().out)
    assert diffs[0] == diffs[1] and "__start_async" in diffs[0]


MODULE = '''\
from twisted.internet import defer


def _load(x):
    return x


_load_async = "taken as well"


@defer.inlineCallbacks
def load(x):
    yield defer.succeed(x)
    defer.returnValue(_load(x))


@defer.inlineCallbacks
def load_async(x):
    yield defer.succeed(x)
    defer.returnValue(x)
'''


def _keep_api_plan(path: str) -> FilePlan:
    return FilePlan(path, convert=[ConvertFunction("load", keep_api=True),
                                   ConvertFunction("load_async", keep_api=True)])


def _helpers(text: str) -> list[str]:
    return [line.split("(")[0][len("async def "):] for line in text.splitlines()
            if line.startswith("async def ")]


def test_module_level_helpers_avoid_module_names_and_each_other(tmp_path: Path) -> None:
    path = str(tmp_path / "m.py")
    project = engine.load_project([], Config(), overlays={path: MODULE})
    plans = {path: _keep_api_plan(path)}
    engine.name_helpers(project, plans)
    assert [c.helper for c in plans[path].convert] == ["_load_async2", "_load_async_async"]
    # The rewrite alone (a plan made without the engine) reaches names that are free too.
    alone = rewrite_source(MODULE, _keep_api_plan(path), project.facts[path], path).source
    helpers = _helpers(alone)
    assert len(set(helpers)) == 2 and not {"_load", "_load_async"} & set(helpers)
    planned = rewrite_source(MODULE, plans[path], project.facts[path], path).source
    assert _helpers(planned) == ["_load_async2", "_load_async_async"]
    # every module-level name is bound once (importing Twisted here would upset libcst)
    bound = [n.name if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
             else n.targets[0].id  # type: ignore[attr-defined]
             for n in ast.parse(planned).body if not isinstance(n, ast.ImportFrom)]
    assert len(bound) == len(set(bound)) == 6


def test_a_planned_helper_name_that_is_taken_is_refused(tmp_path: Path) -> None:
    from txasync.rewrite.convert import RewriteError

    path = str(tmp_path / "m.py")
    project = engine.load_project([], Config(), overlays={path: MODULE})
    plan = FilePlan(path, convert=[ConvertFunction("load", keep_api=True, helper="_load")])
    with pytest.raises(RewriteError, match="helper name '_load'"):
        rewrite_source(MODULE, plan, project.facts[path], path)


def test_text_names_hold_exactly_the_identifiers_of_their_texts() -> None:
    """The lazy lookup name_helpers uses answers as the union of `identifiers` would: a
    word inside a comment or a longer name is not an identifier, a name or a keyword is."""
    from txasync.rewrite.helpers import TextNames, identifiers

    texts = {"a.py": "class A:\n    def __go(self):  # _go_async\n        x.__go_async2 = 1\n",
             "b.py": "def later(_go):\n    return '__stop'\n"}
    names = TextNames()
    names.texts.update(texts)
    names.names.add("external")
    union = identifiers(texts["a.py"]) | identifiers(texts["b.py"]) | {"external"}
    for word in ("__go", "_go_async", "__go_async2", "_go", "__stop", "later", "external",
                 "class", "go", "__go_async", "x"):
        assert (word in names) == (word in union), word
