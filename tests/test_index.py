"""The workspace index: name resolution across modules, caller kinds, yield classification."""

from __future__ import annotations

import os
import textwrap

import pytest

from txasync.analysis.facts import extract_facts
from txasync.analysis.model import EXPORTS_ANY
from txasync.analysis.plan import Planner
from txasync.config import Config
from txasync.engine import analyse, callers_report, load_project

FILES = {
    "pkg/__init__.py": "",
    "pkg/store.py": """
        from twisted.internet import defer

        class Store:
            @defer.inlineCallbacks
            def get(self, key):
                value = yield defer.succeed(key)
                return value

            def cached(self, key):
                return {"k": key}

            def size(self):
                return 3

        @defer.inlineCallbacks
        def helper():
            yield None
            return 1

        def make_store():
            return Store()
    """,
    "pkg/handlers.py": """
        from twisted.internet import defer, reactor, task
        from . import store as store_mod
        from .store import Store, helper as h
        import pkg.store

        class Handler:
            def __init__(self, store: Store):
                self.store = store
                self.other = store_mod.Store()
                self.table = dict()

            @defer.inlineCallbacks
            def run(self):
                a = yield self.store.get(1)          # yielded, attribute typed by annotation
                b = self.other.get(2)                 # stored
                self.store.get(3)                     # statement
                self.store.get(4).addCallback(print)  # deferred method
                yield defer.gatherResults([self.store.get(5)])  # argument
                reactor.callLater(0, self.store.get, 6)         # uncalled
                c = yield h()                         # imported alias
                d = yield pkg.store.helper()          # module attribute
                s = store_mod.make_store()
                e = yield s.get(7)                    # local bound by a factory's return
                f = yield self.table.get(8)           # dict: not a workspace method
                g = yield self.store.cached(9)        # plain value from a visible call
                i = yield self.store.size()           # plain value
                j = yield b                           # name bound to an IC call
                k = yield task.deferLater(reactor, 0, lambda: 1)
                m = yield len([1])
                n = yield external_thing()
                return (a, c, d, e, f, g, i, j, k, m, n)

        class Sub(Handler):
            @defer.inlineCallbacks
            def run(self):
                x = yield super().run()
                return x

            def again(self):
                return self.run()
    """,
}


@pytest.fixture()
def project(tmp_path):
    overlays = {}
    for rel, text in FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        overlays[str(path)] = textwrap.dedent(text)
    return load_project(list(overlays), Config(twisted_version=(26, 10)))


def callers(project, key: str) -> dict[int, str]:
    return {c.span.line: ("possible " if c.possible else "") + c.usage
            for c in callers_report(project, key)}


def test_resolution_and_caller_kinds(project) -> None:
    got = callers(project, "pkg.store:Store.get")
    assert got[15] == "yielded"
    assert got[16] == "stored"
    assert got[17] == "statement"
    assert got[18] == "deferred-method"
    assert got[19] == "argument"
    assert got[20] == "callback"
    assert got[24] == "yielded"  # s = store_mod.make_store(); s.get(7)
    assert 25 not in got  # self.table.get: a dict, never a possible caller
    assert callers(project, "pkg.store:helper") == {21: "yielded", 22: "yielded"}
    assert callers(project, "pkg.handlers:Handler.run") == {37: "yielded", 41: "returned"}


def test_yield_classification(project) -> None:
    planner = Planner(project.workspace, project.config)
    facts = next(f for p, f in project.facts.items() if p.endswith("handlers.py"))
    fn = facts.function("Handler.run")
    actions = {y.span.line: planner.classify_yield(facts, fn, y) for y in fn.yields}
    assert actions[15] == "await"   # IC method
    assert actions[19] == "await"   # gatherResults
    assert actions[21] == "await"   # IC function through an alias
    assert actions[25] == "maybe"   # dict.get: unknown value
    assert actions[26] == "maybe"   # plain dict, but an override out of sight may differ
    assert actions[27] == "maybe"   # plain int from a method a subclass may override
    assert actions[28] == "await"   # name bound only to an IC call
    assert actions[29] == "await"   # deferLater
    assert actions[30] == "drop"    # builtin len
    assert actions[31] == "maybe"   # unknown external call


def test_overrides_are_callers_too(project) -> None:
    analysis = analyse(project)
    d = analysis.decisions["pkg.handlers:Handler.run"]
    assert d.convertible
    wrapped = {(os.path.basename(f.path), w.span.line) for f, w in d.wraps}
    # `self.run()` in Sub.again may dispatch to Handler.run or Sub.run: wrapped either way
    assert ("handlers.py", 41) in wrapped


def test_wraps_do_not_depend_on_the_order_files_were_loaded(tmp_path) -> None:
    """The CLI loads files sorted, the server in the order documents opened: a decision's
    wraps, and the finding text built from the first of them, must be the same either way."""
    files = {"pkg/__init__.py": ""}
    files["pkg/core.py"] = ("from twisted.internet import defer\n\n\n"
                            "@defer.inlineCallbacks\ndef work():\n"
                            "    yield defer.succeed(None)\n    return 1\n")
    for name in ("b_user", "a_user", "c_user"):
        files[f"pkg/{name}.py"] = ("from pkg.core import work\n\n\ndef go():\n"
                                   "    d = work()\n    d.addCallback(print)\n"
                                   "    return d\n")
    overlays = {}
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        overlays[str(path)] = text
    config = Config(twisted_version=(26, 10))
    orders = [sorted(overlays), sorted(overlays, reverse=True)]
    got = []
    for order in orders:
        p = load_project(order, config, overlays={k: overlays[k] for k in order})
        analysis = analyse(p)
        d = analysis.decisions["pkg.core:work"]
        got.append(([(os.path.basename(f.path), w.span) for f, w in d.wraps],
                     [f.message for f in analysis.findings if f.function == "work"]))
    assert [name for name, _ in got[0][0]] == ["a_user.py", "b_user.py", "c_user.py"]
    assert got[0] == got[1]


def test_incremental_update_matches_a_full_rebuild(project, tmp_path) -> None:
    from txasync.engine import load_project, update_file

    handlers = next(p for p in project.facts if p.endswith("handlers.py"))
    callers(project, "pkg.store:Store.get")  # build the call-site index
    text = project.sources[handlers].text.replace("self.store.get(3)", "self.store.get(33)\n"
                                                  "        self.store.get(34)")
    update_file(project, handlers, text)
    assert project.workspace._sites is not None  # shared, not rebuilt from scratch
    incremental = callers(project, "pkg.store:Store.get")
    fresh = load_project(list(project.facts), project.config,
                         overlays={p: s.text for p, s in project.sources.items()})
    assert incremental == callers(fresh, "pkg.store:Store.get")
    assert incremental[18] == "statement"


def test_package_reexports_reach_the_function(tmp_path) -> None:
    files = {
        "pkg/__init__.py": "from ._impl import fetch\n",
        "pkg/_impl.py": "from twisted.internet import defer\n\n\n@defer.inlineCallbacks\n"
                        "def fetch(x):\n    yield defer.succeed(None)\n    return x\n",
        "cli.py": "from pkg import fetch\nimport pkg\n\n\ndef main():\n"
                  "    fetch(1).addCallback(print)\n    pkg.fetch(1).addCallback(print)\n",
    }
    paths = []
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths.append(str(path))
    project = load_project(paths, Config(twisted_version=(26, 10)))
    assert callers(project, "pkg._impl:fetch") == {6: "deferred-method", 7: "deferred-method"}


def test_workspace_wide_tables_follow_an_edit_to_a_file_that_replaces(tmp_path) -> None:
    """The replacement sites by name and the replaced names are kept across edits to files
    that replace nothing; an edit to a file that replaces something (or makes a double)
    must make them new, with that file's sites where they now are, as a fresh load does."""
    from txasync.engine import load_project, update_file

    files = {
        "app.py": ("from twisted.internet import defer\n\n\n@defer.inlineCallbacks\n"
                   "def fetch(agent):\n    r = yield agent.request(b'GET', b'/')\n"
                   "    return r\n"),
        "test_app.py": ("from unittest import mock\n\nfrom twisted.web.client import Agent\n\n"
                        "import app\n\n\ndef test_it():\n    agent = mock.Mock(spec=Agent)\n"
                        "    app.fetch = mock.Mock()\n    return app.fetch(agent)\n"),
        "other.py": "def helper():\n    return 1\n",
    }
    paths = {name: str(tmp_path / name) for name in files}
    config = Config(twisted_version=(26, 10))

    def fresh_workspace(texts: dict[str, str]):  # type: ignore[no-untyped-def]
        return load_project(list(paths.values()), config, overlays={
            paths[n]: t for n, t in texts.items()}).workspace

    project = load_project(list(paths.values()), config,
                           overlays={paths[n]: t for n, t in files.items()})
    before = project.workspace
    assert {"Agent", "fetch"} <= before.replaced_names()
    # An edit to a file that replaces nothing keeps the tables.
    texts = dict(files, **{"other.py": files["other.py"].replace("    return", "    x = 1\n"
                                                                 "    return")})
    update_file(project, paths["other.py"], texts["other.py"])
    assert project.workspace is not before
    assert project.workspace._by_replaced_name is before._by_replaced_name
    # A statement added above the replacement: its site moved.
    texts["test_app.py"] = files["test_app.py"].replace("    agent =", "    x = 1\n    agent =")
    update_file(project, paths["test_app.py"], texts["test_app.py"])
    fresh = fresh_workspace(texts)
    assert project.workspace.replaced_names() == fresh.replaced_names()
    assert [site.span for _, site in project.workspace.replacements_named("fetch")] == [
        site.span for _, site in fresh.replacements_named("fetch")] != []


def test_an_all_changed_by_an_edit_changes_callers_in_other_files(tmp_path) -> None:
    """`app.py` star-imports `impl` then `mid`, and calls `fetch()`: `mid.fetch` while `mid`
    exports it, `impl.fetch` once an edit of `mid`'s `__all__` leaves it out. The
    updated index must say so, as a fresh load does (`__all__` is part of what other files
    resolve through)."""
    fetch = ("from twisted.internet import defer\n\n\n@defer.inlineCallbacks\n"
             "def fetch():\n    r = yield defer.succeed(1)\n    return r\n")
    files = {
        "impl.py": fetch,
        "mid.py": '__all__ = ["fetch"]\n' + fetch,
        "app.py": "from impl import *\nfrom mid import *\n\n\ndef use():\n    return fetch()\n",
    }
    project, fresh, paths = _edited_and_fresh(tmp_path, files, "mid.py",
                                              '__all__ = ["other"]\n' + fetch)
    found = [(f.path, site.span) for f, site in fresh.callers("impl:fetch")]
    assert found and found[0][0] == paths["app.py"]
    assert [(f.path, site.span) for f, site in project.workspace.callers("impl:fetch")] == found
    assert project.workspace.callers("mid:fetch") == []


def _edited_and_fresh(tmp_path, files: dict[str, str], edited: str, text: str
                      ) -> tuple[object, object, dict[str, str]]:
    """A project of `files` (in memory) with `edited` then changed to `text` through the
    incremental index, a fresh workspace of the texts after the edit, and the paths. Before
    the edit, `impl.fetch` has no caller."""
    from txasync.engine import load_project, update_file

    paths = {name: str(tmp_path / name) for name in files}
    config = Config(twisted_version=(26, 10))
    project = load_project(list(paths.values()), config,
                           overlays={paths[n]: t for n, t in files.items()})
    assert project.workspace.callers("impl:fetch") == []
    texts = dict(files, **{edited: text})
    update_file(project, paths[edited], text)
    fresh = load_project(list(paths.values()), config,
                         overlays={paths[n]: t for n, t in texts.items()}).workspace
    return project, fresh, paths


@pytest.mark.parametrize(("text", "exports"), [
    ("x = 1\n", None),
    ('__all__ = ["a", "_b"]\n', ("a", "_b")),
    ('__all__ = {"a"}\n', ("a",)),
    ('__all__ = ("a",)\n__all__ += ["b"]\n__all__.extend(["c"])\n__all__.append("d")\n',
     ("a", "b", "c", "d")),
    ('if X:\n    __all__ = ["a"]\nelse:\n    __all__ = ["b"]\n', ("a", "b")),
    ("__all__ = [n for n in dir() if n.isupper()]\n", EXPORTS_ANY),
    ('__all__ = ["a"]\n__all__ += other.__all__\n', EXPORTS_ANY),
    ('__all__ = ["a"]\n__all__.remove("a")\n', EXPORTS_ANY),
    ('__all__, y = ["a"], 1\n', EXPORTS_ANY),
    ('def f():\n    __all__ = ["x"]\n', None),  # a local of `f`, not the module's
])
def test_module_exports(text: str, exports: tuple[str, ...] | None) -> None:
    assert extract_facts(text, "m.py", "m", False).exports == exports


def test_a_star_import_added_by_an_edit_reaches_callers_in_other_files(tmp_path) -> None:
    """`app.py` calls `fetch()`, bound only by its `from mid import *`; an edit of `mid.py`
    adds `from impl import *`, and `impl.fetch` gains a caller in a file that was not
    edited. The updated index must find it, as a fresh load does (the star imports are
    part of what other files resolve through)."""
    files = {
        "impl.py": ("from twisted.internet import defer\n\n\n@defer.inlineCallbacks\n"
                    "def fetch():\n    r = yield defer.succeed(1)\n    return r\n"),
        "mid.py": "VALUE = 1\n",
        "app.py": "from mid import *\n\n\ndef use():\n    return fetch()\n",
    }
    project, fresh, paths = _edited_and_fresh(tmp_path, files, "mid.py",
                                              "from impl import *\n\nVALUE = 1\n")
    found = [(f.path, site.span) for f, site in fresh.callers("impl:fetch")]
    assert found and found[0][0] == paths["app.py"]
    assert [(f.path, site.span) for f, site in project.workspace.callers("impl:fetch")] == found


_PATCHES = textwrap.dedent('''\
    from unittest import mock

    from pkg import store


    def test_one(thing):
        thing.fetch = mock.Mock()
        with mock.patch("pkg.store.helper"):
            pass


    def test_two(thing):
        thing.render = None
''')
_DYNAMIC = textwrap.dedent('''\
    class Dispatch:
        def run(self, name, d):
            return getattr(self, "do_" + name)(d)

        def other(self, name):
            return getattr(self, name)()
''')
_STORE = textwrap.dedent('''\
    from twisted.internet import defer


    def helper():
        return 1


    class Store:
        @defer.inlineCallbacks
        def fetch(self):
            yield defer.succeed(1)

        @defer.inlineCallbacks
        def do_render(self, d):
            yield d

        def render(self):
            return self.fetch()
''')


@pytest.mark.parametrize(("edited", "edits"), [
    # Lines before, between and after the replacements; one taken out, one added, another
    # name patched: the file's sites move within the other files' and change.
    ("tests/test_patches.py", [
        lambda t: "# a comment line\n" + t,
        lambda t: t.replace("    thing.render = None\n", "    x = 1\n    thing.render = None\n"),
        lambda t: t.replace("    thing.fetch = mock.Mock()\n", "    pass\n"),
        lambda t: t.replace("    pass\n", "    thing.fetch = mock.Mock()\n"
                                         "    thing.other = mock.Mock()\n", 1),
        lambda t: t + "\n\ndef test_three(thing):\n    thing.fetch = None\n",
    ]),
    ("pkg/dyn.py", [
        lambda t: "# a comment line\n" + t,
        lambda t: t.replace('getattr(self, name)()', 'getattr(self, "do_" + name)()'),
        lambda t: t.replace('        return getattr(self, "do_" + name)(d)\n',
                            '        x = 1\n        return getattr(self, name)(d)\n'),
        lambda t: t.replace("getattr(self, name)(d)", "self.fetch(d)"),
    ]),
])
def test_tables_of_names_patched_as_fresh(tmp_path, edited, edits) -> None:
    """An edit of a file that patches something, or calls a method by a computed name,
    patches the tables of replacements by name and of computed-name callers (that file's
    part found again, every other file's kept) where the index is shared: after each edit
    they equal a fresh workspace's, entry for entry and in the same order."""
    from txasync.engine import update_file

    files = {"pkg/__init__.py": "", "pkg/store.py": _STORE, "pkg/dyn.py": _DYNAMIC,
             "pkg/more.py": _DYNAMIC.replace("Dispatch", "More"),
             "tests/__init__.py": "", "tests/test_patches.py": _PATCHES,
             "tests/test_more.py": _PATCHES.replace("test_one", "test_four")}
    paths = {name: str(tmp_path / name) for name in files}
    for name, text in files.items():  # on disk: module names come from the packages
        os.makedirs(os.path.dirname(paths[name]), exist_ok=True)
        with open(paths[name], "w", encoding="utf-8") as handle:
            handle.write(text)
    config = Config(twisted_version=(26, 10))
    project = load_project(list(paths.values()), config)
    texts = dict(files)
    patched = 0
    for edit in edits:
        ws = project.workspace
        keys = sorted(k for k, (_, fn) in ws.functions.items() if fn.class_qualname)
        for key in keys:
            ws.dynamic_callers(key)
        ws.replaced_names()
        assert edit(texts[edited]) != texts[edited]
        texts[edited] = edit(texts[edited])
        update_file(project, paths[edited], texts[edited])
        new = project.workspace
        assert new is not ws
        # Patched where the index is shared (`updated`); an edit changing what is replaced
        # or looked up builds it afresh.
        patched += new._named_prior is not None or new._dynamic_prior is not None
        fresh = load_project(list(paths.values()), config,
                             overlays={paths[n]: t for n, t in texts.items()}).workspace

        def named(w):  # the facts objects differ between the two: compare by path
            table, names = w._named_replacements()
            return ({n: [(f.path, s) for f, s in pairs] for n, pairs in table.items()},
                    names)

        assert named(new) == named(fresh)
        for key in keys:
            assert ([(f.path, s) for f, s in new.dynamic_callers(key)]
                    == [(f.path, s) for f, s in fresh.dynamic_callers(key)]), key
    assert patched >= 2


_CALLS_A = textwrap.dedent('''\
    from pkg.store import Store


    def use(store: Store):
        store.fetch()
        store.render()
        return store.fetch()
''')


def test_method_calls_resolved_by_name_when_asked(tmp_path) -> None:
    """Method calls on a receiver are resolved the first time a caller of a function of
    their name is asked for, in every file; workspaces made from one another by edits
    share those files, so one may resolve a name the other asks about later. Whoever
    asks, in whatever order, before or after an edit, gets what a whole build gives."""
    from txasync.engine import update_file

    files = {"pkg/__init__.py": "", "pkg/store.py": _STORE, "pkg/a.py": _CALLS_A,
             "pkg/b.py": _CALLS_A.replace("def use(", "def other("),
             "pkg/dyn.py": _DYNAMIC}
    paths = {name: str(tmp_path / name) for name in files}
    for name, text in files.items():
        os.makedirs(os.path.dirname(paths[name]), exist_ok=True)
        with open(paths[name], "w", encoding="utf-8") as handle:
            handle.write(text)
    config = Config(twisted_version=(26, 10))

    def answers(ws, key):
        return ([(f.path, s) for f, s in ws.callers(key)],
                [(f.path, s) for f, s in ws.possible_callers(key)])

    project = load_project(list(paths.values()), config)
    first = project.workspace
    fetch, render = "pkg.store:Store.fetch", "pkg.store:Store.render"
    assert len(first.callers(fetch)) == 5  # a.py and b.py twice each, Store.render
    part = first._sites[paths["pkg/a.py"]]
    assert "render" in part.pending and "fetch" not in part.pending  # only what was asked
    edited = files["pkg/b.py"].replace("    store.render()\n", "    x = 1\n    store.render()\n")
    update_file(project, paths["pkg/b.py"], edited)
    second = project.workspace
    assert second._sites is not None and second._sites[paths["pkg/a.py"]] is part  # shared
    fresh = load_project(list(paths.values()), config,
                         overlays={paths["pkg/b.py"]: edited}).workspace
    assert answers(second, render) == answers(fresh, render)  # resolved by the second
    assert "render" not in part.pending
    assert answers(first, render) == answers(  # the first asks after it: the shared parts
        load_project(list(paths.values()), config).workspace, render)
    assert answers(second, fetch) == answers(fresh, fetch)
