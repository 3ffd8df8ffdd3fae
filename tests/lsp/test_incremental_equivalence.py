"""The editor's incremental path answers exactly what a fresh analysis of the same texts does.

The server keeps one project per folder and applies each edit with `engine.update_file`,
which shares the index of every file whose definitions did not change and keeps the last good
facts of a file that does not parse. Random edit sequences from the abuse tests' generator
(`random_edit`: insertions, deletions, half-typed syntax, astral characters, line breaks of
every style, undo, whole-module rewrites) run over a small workspace whose other files call,
subclass and patch the edited one; after every edit, what diagnostics, hover and code actions
are made of (findings, decisions, caller reports, conversion plans and their rewrites, the
safe fixes and each finding's own fix) must equal those of a project loaded from scratch with
the same texts (the last good text for a file that does not parse, as the server keeps it).
"""

from __future__ import annotations

import ast
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from test_lsp_abuse import Doc, module_text, random_edit

from txasync import engine
from txasync.config import Config
from txasync.lsp import adapter

CALLERS = """\
from twisted.internet import defer

from pkg import mod
from pkg.mod import fetch0


class Base:
    @defer.inlineCallbacks
    def run(self, d):
        x = yield fetch0(d)
        defer.returnValue(x)

    def go(self, d):
        return self.run(d).addCallback(print)


def later(d):
    mod.fetch1(d)
    return mod.use0(d)
"""

SUBCLASS = """\
from twisted.internet import defer

from pkg.callers import Base
from pkg.mod import fetch1


class Child(Base):
    @defer.inlineCallbacks
    def run(self, d):
        y = yield fetch1(d)
        defer.returnValue(y)


def start(d):
    return Child().go(d)
"""

TESTS = """\
from unittest import mock

from pkg import mod


def test_it():
    with mock.patch("pkg.mod.fetch2"):
        mod.use1(None)
"""


class NoClient:
    """`Doc` tells a language client about each edit; here nobody listens."""

    def text_document_did_open(self, params: Any) -> None:
        pass

    def text_document_did_change(self, params: Any) -> None:
        pass


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def answers(project: engine.Project, analysis: engine.Analysis | None = None
            ) -> dict[str, Any]:
    """Everything the language server's features read from an analysis (`project`'s own,
    or the one given), as plain data."""
    if analysis is None:
        analysis = engine.analyse(project)
    found: dict[str, Any] = {
        "findings": [(f.code, f.path, f.span, f.message, f.severity, f.fix_safety, f.function,
                      repr(f.data)) for f in analysis.findings],
        "decisions": {k: ([str(r) for r in d.all_reasons], d.keep_api, d.changes,
                          [(facts.path, w) for facts, w in d.wraps], sorted(d.yields.items()),
                          d.behaviour_changes)
                      for k, d in sorted(analysis.decisions.items())},
        "hover": {}, "convert": {}, "fixes": [],
    }
    for key in sorted(analysis.decisions):
        conversion = engine.conversion_plan(project, {key})
        status = adapter.conversion_status(conversion, key)
        found["hover"][key] = (status, engine.callers_report(project, key, analysis,
                                                             conversion))
        # The server offers no edit while a file does not parse: the plans must agree,
        # the rewritten texts only where every text is the one its facts came from.
        results = [] if project.stale else engine.compute_fixes(project, conversion.plans)
        found["convert"][key] = (sorted(conversion.converted), sorted(conversion.refused),
                                 conversion.plans,
                                 [(o.path, o.error, o.result.source if o.result else None)
                                  for o in results])
    for path in sorted(project.facts):
        found["fixes"].append(adapter.safe_plan(project, analysis, path))
    for finding in analysis.findings:
        found["fixes"].append(adapter.finding_plan(project, analysis, finding))
    return found


def assert_as_fresh(project: engine.Project, config: Config, good: dict[str, str], where: str,
                    text: str) -> None:
    """The incremental project answers as a fresh load of the last good texts does."""
    incremental = answers(project)
    fresh = engine.load_project([], config, overlays={p: good[p] for p in sorted(good)})
    fresh.stale = set(project.stale)
    expected = answers(fresh)
    for part in expected:
        assert incremental[part] == expected[part], (
            f"{where}: {part} differs from a fresh analysis\n{text}")


def write_workspace(root: Path, rng: random.Random, style: str) -> dict[str, str]:
    pkg = root / "pkg"
    pkg.mkdir()
    texts = {
        str(pkg / "__init__.py"): "",
        str(pkg / "mod.py"): module_text(rng, style),
        str(pkg / "callers.py"): CALLERS,
        str(pkg / "sub.py"): SUBCLASS,
        str(root / "tests" / "test_mod.py"): TESTS,
    }
    (root / "tests").mkdir()
    for path, text in texts.items():
        Path(path).write_bytes(text.encode("utf-8"))
    return texts


@pytest.mark.parametrize(("seed", "style"), [(11, "\n"), (12, "\r\n"), (13, "\r")])
def test_incremental_equals_fresh(tmp_path: Path, seed: int, style: str) -> None:
    rng = random.Random(seed)
    texts = write_workspace(tmp_path, rng, style)
    config = Config(root=str(tmp_path), twisted_version=(22, 4))
    files = sorted(texts)
    project = engine.load_project(files, config)
    engine.analyse(project)
    good = dict(texts)  # the last text of each file that parsed (the server keeps its facts)
    docs = {path: Doc(NoClient(), Path(path), texts[path], "utf-32")  # type: ignore[arg-type]
            for path in files if path.endswith(("mod.py", "callers.py"))}
    edited = sorted(docs)
    for step in range(30):
        path = edited[0] if rng.random() < 0.8 else edited[1]
        doc = docs[path]
        kind = random_edit(rng, doc, style, good[path])
        engine.update_file(project, path, doc.text)
        if parses(doc.text):
            good[path] = doc.text
        assert_as_fresh(project, config, good, f"step {step} ({kind} in "
                        f"{os.path.basename(path)})", doc.text)


# -- pastes: edits that add or remove whole functions ---------------------------------------
DOUBLES = """\
from unittest import mock

from pkg.callers import Base


def test_double():
    # copied from pasted_fn and pasted_method: a comment refers to nothing
    base = mock.Mock(spec=Base)
    base.go(None)
    with mock.patch("pkg.mod.patched_later"):
        base.go(None)
"""

# (file, anchor line the paste goes after ("" = the end), text, whether no other file names
# the pasted functions, so the index must share every other file's resolved sites)
PASTES = [
    ("mod.py", "", "\n\n@defer.inlineCallbacks\ndef pasted_fn(d):\n    x = yield fetch0(d)\n"
     "    defer.returnValue(x)\n\n\ndef use_pasted(d):\n    return pasted_fn(d).addCallback("
     "print)\n", True),
    ("callers.py", "class Base:", "    @defer.inlineCallbacks\n    def pasted_method(self, d):\n"
     "        y = yield self.run(d)\n        defer.returnValue(y)\n\n    def start_pasted(self, d):"
     "\n        return self.pasted_method(d).addErrback(print)\n\n", True),
    ("mod.py", "", "\n\ndef outer_pasted(d):\n    def inner_pasted():\n        return fetch0(d)\n"
     "    return inner_pasted()\n", True),
    # a name other files call, a method other files reach by dispatch: built afresh
    ("mod.py", "", "\n\n@defer.inlineCallbacks\ndef use1(d):\n    yield d\n", False),
    ("callers.py", "class Base:", "    def later(self, d):\n        return fetch0(d)\n\n", False),
    ("mod.py", "", "\n\ndef go(d):\n    return fetch0(d)\n", False),
    # named in another file's string (a patch target): built afresh
    ("mod.py", "", "\n\n@defer.inlineCallbacks\ndef patched_later(d):\n    yield d\n\n\n"
     "def calls_patched(d):\n    return patched_later(d).addCallback(print)\n", False),
]


def _pasted(text: str, anchor: str, snippet: str) -> str:
    if not anchor:
        return text + snippet
    at = text.index(anchor) + len(anchor) + 1
    return text[:at] + snippet + text[at:]


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_pastes_equal_fresh(tmp_path: Path, seed: int) -> None:
    """Pasting whole functions (and taking them out again, as an undo does) answers what a
    fresh analysis does; where no other file names them, without resolving another file's
    calls again."""
    rng = random.Random(seed)
    texts = write_workspace(tmp_path, rng, "\n")
    double = str(tmp_path / "tests" / "test_double.py")
    Path(double).write_text(DOUBLES)
    texts[double] = DOUBLES
    config = Config(root=str(tmp_path), twisted_version=(22, 4))
    files = sorted(texts)
    project = engine.load_project(files, config)
    engine.analyse(project)
    current = dict(texts)
    shared = 0
    for step in range(14):
        name, anchor, snippet, unmentioned = rng.choice(PASTES)
        path = str(tmp_path / "pkg" / name)
        undo = snippet in current[path]
        current[path] = (current[path].replace(snippet, "", 1) if undo
                         else _pasted(current[path], anchor, snippet))
        before = project.workspace
        before.callers("x")  # the index of call sites is built
        engine.update_file(project, path, current[path])
        after = project.workspace
        others = [p for p in files if p != path and p in after.modules]
        if unmentioned:
            assert after._sites is not None and before._sites is not None
            assert all(after._sites[p] is before._sites[p] for p in others), (
                f"step {step}: pasting into {name} resolved other files' calls again")
            shared += 1
        incremental = answers(project)
        expected = answers(engine.load_project([], config, overlays={p: current[p] for p in files}))
        for part in expected:
            assert incremental[part] == expected[part], (
                f"step {step} ({'undo' if undo else 'paste'} in {name}): {part} differs "
                f"from a fresh analysis\n{current[path]}")
    assert shared, "no paste took the shared path"


def test_superseded_pass_gives_up(tmp_path: Path) -> None:
    """A pass whose input an edit made stale raises `Superseded` part way (the server then
    analyses the newest text at once); one never told to stop answers as usual."""
    from txasync.errors import Superseded

    texts = write_workspace(tmp_path, random.Random(5), "\n")
    config = Config(root=str(tmp_path), twisted_version=(22, 4))
    project = engine.load_project(sorted(texts), config)
    expected = answers(project)
    asked = []

    def after_three() -> bool:
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(Superseded):
        engine.analyse(project, should_stop=after_three)
    assert len(asked) == 4  # asked between functions, and stopped at the first "yes"
    assert answers(project) == expected  # a pass given up leaves nothing half done
    never = engine.analyse(project, should_stop=lambda: False)
    assert [f.message for f in never.findings] == [f.message for f in
                                                   engine.analyse(project).findings]


DYNAMIC = """\
from pkg.callers import Base


class Dispatch(Base):
    def handle(self, name, d):
        return getattr(self, "do_" + name)(d).addCallback(print)
"""

DO_IT = "    @defer.inlineCallbacks\n    def do_it(self, d):\n        yield d\n\n"


def test_paste_same_name_elsewhere_after_undo(tmp_path: Path) -> None:
    """A method pasted, taken out, then pasted into another class: what a computed-name
    call (`getattr(self, "do_" + name)(...)`, in a file that never spells the name) reaches
    is found again, not remembered from the first paste."""
    texts = write_workspace(tmp_path, random.Random(3), "\n")
    dynamic = str(tmp_path / "pkg" / "dyn.py")
    Path(dynamic).write_text(DYNAMIC)
    texts[dynamic] = DYNAMIC
    config = Config(root=str(tmp_path), twisted_version=(22, 4))
    files = sorted(texts)
    project = engine.load_project(files, config)
    current = dict(texts)
    callers, sub = str(tmp_path / "pkg" / "callers.py"), str(tmp_path / "pkg" / "sub.py")
    steps = [(callers, "class Base:"), (callers, None), (sub, "class Child(Base):")]
    for step, (path, anchor) in enumerate(steps):
        answers(project)  # every lookup of this state memoised before the next edit
        current[path] = (texts[path] if anchor is None
                         else _pasted(current[path], anchor, DO_IT))
        before = project.workspace
        engine.update_file(project, path, current[path])
        assert project.workspace._sites is not None and before._sites is not None
        assert project.workspace._sites[dynamic] is before._sites[dynamic]  # shared path
        expected = answers(engine.load_project([], config,
                                               overlays={p: current[p] for p in files}))
        incremental = answers(project)
        for part in expected:
            assert incremental[part] == expected[part], f"step {step}: {part} differs"


@pytest.mark.parametrize("seed", [14, 15])
def test_replacements_doubles_and_getattr_edited(tmp_path: Path, seed: int) -> None:
    """The random replay, in a workspace that also has a test module replacing functions
    (`mock.patch`, a double made from a class) and a computed-name call, each edited in
    turn: the replacement tables are the previous index's while the edited file replaces
    nothing (and found again when it does), what a `getattr` call may reach is kept per
    file; either way every answer equals a fresh analysis's."""
    rng = random.Random(seed)
    texts = write_workspace(tmp_path, rng, "\n")
    for name, text in (("tests/test_double.py", DOUBLES), ("pkg/dyn.py", DYNAMIC)):
        Path(tmp_path / name).write_text(text)
        texts[str(tmp_path / name)] = text
    config = Config(root=str(tmp_path), twisted_version=(22, 4))
    files = sorted(texts)
    project = engine.load_project(files, config)
    engine.analyse(project)
    good = dict(texts)
    edited = [p for p in files if p.endswith(("mod.py", "test_double.py", "dyn.py"))]
    docs = {path: Doc(NoClient(), Path(path), texts[path], "utf-32")  # type: ignore[arg-type]
            for path in edited}
    kept = 0
    for step in range(24):
        # Every other edit in mod.py, the others in each file in turn.
        path = edited[(step // 2) % len(edited)] if step % 2 else edited[0]
        doc = docs[path]
        kind = random_edit(rng, doc, style="\n", last_valid=good[path])
        before = project.workspace
        engine.update_file(project, path, doc.text)
        kept += (project.workspace is not before
                 and project.workspace.replaced_keys is before.replaced_keys)
        if parses(doc.text):
            good[path] = doc.text
        assert_as_fresh(project, config, good, f"step {step} ({kind} in "
                        f"{os.path.basename(path)})", doc.text)
    # An undo to a text whose facts are the ones indexed now keeps the whole index (see
    # test_unchanged_facts_keep_the_analysis); a new body in mod.py, which replaces
    # nothing, makes a new index with the same tables.
    mod = edited[0]
    body = good[mod].replace("x = yield d", "x = yield d; extra = x", 1)
    assert body != good[mod] and parses(body)
    before = project.workspace
    engine.update_file(project, mod, body)
    good[mod] = body
    kept += (project.workspace is not before
             and project.workspace.replaced_keys is before.replaced_keys)
    assert_as_fresh(project, config, good, "a new body in mod.py", body)
    assert kept, "no edit kept the replacement tables"


# -- edits that leave the facts as they were: the previous analysis stands -----------------
# (what the edit does to mod.py, whether the facts stay exactly the same). The others
# change positions only (a line added), a yield, a definition another file calls, or the
# file stops parsing: analysed again.
FACTS_EDITS = [
    ("a comment", lambda t: t.replace("\n", "  # note\n", 1), True),
    ("a comment grows", lambda t: t.replace("  # note\n", "  # note, longer\n", 1), True),
    ("trailing blanks", lambda t: t + "\n\n", True),
    ("a line added (positions only)", lambda t: "# header\n" + t, False),
    ("a yield changed", lambda t: t.replace("x = yield d", "x = yield use0(d)", 1), False),
    ("a definition another file calls", lambda t: t.replace("def fetch1(", "def fetch1x(", 1),
     False),
    ("typing breaks it", lambda t: t + "\ndef broken(:\n", True),
    ("still broken, typing on", lambda t: t + "  # more\n", True),
    ("mended, the same facts", lambda t: t[:t.index("\ndef broken(")], True),
    ("the name put back", lambda t: t.replace("def fetch1x(", "def fetch1(", 1), False),
    ("a comment inside a body", lambda t: t.replace("    x = yield d\n",
                                                     "    x = yield d  # wait\n", 1), True),
]


def test_unchanged_facts_keep_the_analysis(tmp_path: Path) -> None:
    """An edit whose facts equal the old ones exactly keeps the facts object and the index,
    and the previous pass's analysis is given again (`reusable_analysis`): it must equal a
    fresh analysis of the new text, and the path must be taken for those edits (and only
    for them)."""
    texts = write_workspace(tmp_path, random.Random(7), "\n")
    config = Config(root=str(tmp_path), twisted_version=(22, 4))
    files = sorted(texts)
    project = engine.load_project(files, config)
    mod = str(tmp_path / "pkg" / "mod.py")
    assert "def fetch1(" in texts[mod]
    snap = adapter.snapshot(project)
    analysis = engine.analyse(snap)
    assert analysis.facts_only
    current, good = dict(texts), dict(texts)
    for what, edit, kept in FACTS_EDITS:
        current[mod] = edit(current[mod])
        if parses(current[mod]):
            good[mod] = current[mod]
        facts_before = project.facts[mod]
        changed = engine.update_file(project, mod, current[mod])
        assert (project.facts[mod] is facts_before) == (not changed)
        new_snap = adapter.snapshot(project)
        reused = engine.reusable_analysis(snap, analysis, new_snap)
        assert (reused is not None) == kept, f"{what}: reused={reused is not None}"
        snap, analysis = new_snap, reused or engine.analyse(new_snap)
        fresh = engine.load_project([], config, overlays={p: good[p] for p in files})
        fresh.stale = set(project.stale)
        expected, got = answers(fresh), answers(snap, analysis)
        for part in expected:
            assert got[part] == expected[part], f"{what}: {part} differs from a fresh analysis"


def test_evidence_or_verdicts_keep_nothing(tmp_path: Path) -> None:
    """With `txasync probe` evidence on disk (checked against each file's text), an
    analysis is never given again for a new text, even one with the same facts."""
    texts = write_workspace(tmp_path, random.Random(8), "\n")
    config = Config(root=str(tmp_path), twisted_version=(22, 4))
    project = engine.load_project(sorted(texts), config)
    snap = adapter.snapshot(project)
    analysis = engine.analyse(snap)
    mod = str(tmp_path / "pkg" / "mod.py")
    engine.update_file(project, mod, texts[mod] + "# note\n")
    assert engine.reusable_analysis(snap, analysis, adapter.snapshot(project)) is analysis
    from txasync.analysis.evidence import FORMAT, VERSION, evidence_path

    Path(evidence_path(str(tmp_path))).parent.mkdir(exist_ok=True)
    Path(evidence_path(str(tmp_path))).write_text(json.dumps(
        {"format": FORMAT, "version": VERSION, "files": {}}))
    snap = adapter.snapshot(project)
    analysis = engine.analyse(snap)
    assert not analysis.facts_only
    engine.update_file(project, mod, texts[mod] + "# another\n")
    assert engine.reusable_analysis(snap, analysis, adapter.snapshot(project)) is None


def test_server_pass_keeps_the_analysis(tmp_path: Path) -> None:
    """The language server's pass (`State`, as the server drives it) gives the previous
    analysis again for a comment typed into an open file, with the new version and text,
    and analyses again when a yield changes; each equals a fresh analysis."""
    import asyncio

    from txasync.lsp.state import State
    from txasync.lsp.uris import from_path

    texts = write_workspace(tmp_path, random.Random(9), "\n")
    mod = str(tmp_path / "pkg" / "mod.py")
    config = Config(root=str(tmp_path), twisted_version=(22, 4))
    opened: dict[str, tuple[str, int | None]] = {mod: (texts[mod], 1)}

    async def run() -> None:
        state = State(opened.get, lambda message: None)
        state.settings_ready.set()
        folder = state.add_folder(from_path(str(tmp_path)), str(tmp_path))
        folder.config = config
        state.mark(mod)
        first = await state.snapshot(folder)
        steps = [(texts[mod] + "# typed\n", True), (texts[mod].replace(
            "x = yield d", "x = yield use0(d)", 1), False)]
        for version, (text, kept) in enumerate(steps, start=2):
            opened[mod] = (text, version)
            state.mark(mod)
            before = folder.reused
            snap = await state.snapshot(folder)
            assert (folder.reused > before) == kept, f"version {version}"
            assert (snap.analysis is first.analysis) == kept
            assert snap.versions[mod] == version and snap.text(mod) == text
            good = dict(texts, **{mod: text})
            expected = answers(engine.load_project([], config,
                                                   overlays={p: good[p] for p in sorted(good)}))
            got = answers(snap.project, snap.analysis)
            for part in expected:
                assert got[part] == expected[part], f"version {version}: {part} differs"
            first = snap

    asyncio.run(run())
