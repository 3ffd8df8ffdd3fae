"""jedi as an opt-in second opinion: it adds callers static analysis cannot type."""

from __future__ import annotations

import textwrap

from txasync.config import Config
from txasync.engine import analyse, callers_report, load_project

SOURCE = textwrap.dedent("""
    from twisted.internet import defer

    class Store:
        @defer.inlineCallbacks
        def fetch(self, key):
            value = yield defer.succeed(key)
            return value

    def use():
        store, count = Store(), 1     # tuple unpacking: the static resolver gives up here
        return store.fetch(count).addCallback(print)
""")


def _project(tmp_path, jedi: bool):
    path = tmp_path / "mod.py"
    path.write_text(SOURCE)
    return load_project([str(path)], Config(twisted_version=(26, 10), root=str(tmp_path),
                                            jedi=jedi))


def test_without_jedi_the_call_is_only_possible(tmp_path) -> None:
    project = _project(tmp_path, jedi=False)
    [caller] = callers_report(project, "mod:Store.fetch")
    assert caller.possible
    # a possible caller using the result as a Deferred gets a wrap, whatever the receiver is
    assert analyse(project).decisions["mod:Store.fetch"].convertible


def test_with_jedi_the_call_is_definite(tmp_path) -> None:
    project = _project(tmp_path, jedi=True)
    [caller] = callers_report(project, "mod:Store.fetch")
    assert not caller.possible and caller.usage == "deferred-method" and caller.needs_wrap
    assert project.oracle is not None and project.oracle.queries >= 1


def test_a_jedi_type_reaches_the_overrides_too(tmp_path) -> None:
    """jedi says `Store`; an instance of a subclass may be there at run time, as for an
    annotation: the call reaches every override, not just `Store.fetch`."""
    path = tmp_path / "mod.py"
    path.write_text(SOURCE + textwrap.dedent("""
        class CachedStore(Store):
            @defer.inlineCallbacks
            def fetch(self, key):
                value = yield defer.succeed(key)
                return value
    """))
    project = load_project([str(path)], Config(twisted_version=(26, 10), root=str(tmp_path),
                                               jedi=True))
    ws = project.workspace
    facts = next(iter(ws.modules.values()))
    [site] = [s for s in facts.calls if s.callee.text == "store.fetch"]
    assert sorted(ws.resolve(facts, site).targets) == ["mod:CachedStore.fetch", "mod:Store.fetch"]
