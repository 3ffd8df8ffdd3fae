"""Soundness of the opt-in pass-through (TXA005) and callback-chain (TXA006) rules: each
test pins one class of mistake found by running real projects' test suites before and after
`txasync fix --select TXA,TXA004,TXA005,TXA006` (benchmarks/realworld.py). The golden cases
`passthrough_*` and `chain_*` show the same classes with their behaviour run under real
Twisted."""

from __future__ import annotations

import textwrap
from pathlib import Path

from txasync.config import Config
from txasync.engine import fix_text

SELECT = frozenset({"TXA", "TXA005", "TXA006"})


def fix(source: str, **config: object) -> tuple[str, dict[str, str]]:
    """The fixed text and each TXA005/TXA006 finding's reason by function ("" converts)."""
    kwargs: dict[str, object] = {"select": SELECT, **config}
    new, analysis = fix_text(textwrap.dedent(source), path="tests/test_m.py",
                             config=Config(**kwargs))  # type: ignore[arg-type]
    reasons = {f.function: f.reason for f in analysis.findings
               if f.code in ("TXA005", "TXA006")}
    return new, reasons


FAKE_STORE = """
    from twisted.internet import defer
    from twisted.python.failure import Failure


    class FakeStore:
        def __init__(self, answer):
            self.answer = answer

        def get(self):
            return defer.succeed(self.answer)


    def use():
        answers = [Failure(KeyError("k"))]
        d = FakeStore(answers[0]).get()
        d.addErrback(lambda f: None)
        return d
"""


def test_succeed_of_a_stored_answer_is_awaited_once_respelled() -> None:
    """A test double's `succeed(x)`, where the tests store Failures, may fail: with the
    failure-in-succeed rule selected it becomes `maybeDeferred(lambda: x)`, awaited (never
    `return lambda: x`, nor `return x`)."""
    new, reasons = fix(FAKE_STORE)
    assert reasons["FakeStore.get"] == ""
    assert "return await defer.maybeDeferred(lambda: self.answer)" in new
    assert "return lambda" not in new


def test_succeed_of_a_stored_answer_is_refused_without_the_respelling() -> None:
    new, reasons = fix(FAKE_STORE, ignore=frozenset({"TXA014"}))
    assert "may succeed with a Failure" in reasons["FakeStore.get"]
    assert "async def get" not in new


DISPATCHED = """
    from twisted.internet import defer


    @defer.inlineCallbacks
    def load(key):
        yield defer.succeed(None)
        return key


    class Server:
        def handle_get(self, table, key):
            return load(table[key])

        def handle_load(self, key):
            return load(key)

        def callRemote(self, name, *args):
            meth = getattr(self, name)
            return meth(*args)
"""


def test_a_caller_that_checks_for_a_coroutine_gets_a_deferred() -> None:
    """A body that may raise at the call is refused while a caller gets the result as a
    Deferred; a caller already in the aware form (`if inspect.iscoroutine(r):` then
    `ensureDeferred(r)`, as the first `fix` writes it) is one, so the second `fix` decides
    as the first did (fix twice = fix once)."""
    once, reasons = fix(DISPATCHED)
    assert "may raise at the call" in reasons["Server.handle_get"]
    assert reasons["Server.handle_load"] == ""
    assert "inspect.iscoroutine" in once
    twice, reasons = fix(once)
    assert "may raise at the call" in reasons["Server.handle_get"]
    assert twice == once


def test_perspective_broker_failures_keep_chains_as_they_are() -> None:
    """`pb.CopiedFailure` (what `callRemote` fails with) cannot be raised by `await`: in a
    project using Perspective Broker no pass-through or chain converts."""
    source = """
        from twisted.internet import defer
        from twisted.spread import pb


        @defer.inlineCallbacks
        def load(key):
            yield defer.succeed(None)
            return key


        def load_default(key):
            return load(key or "x")


        def shout(key):
            d = load(key)
            d.addCallback(str.upper)
            return d


        class Root(pb.Root):
            pass
    """
    new, reasons = fix(source)
    assert "Perspective Broker" in reasons["load_default"]
    assert "Perspective Broker" in reasons["shout"]
    assert "async def load(key)" in new
    assert "def load_default" in new and "async def load_default" not in new


def test_a_library_failure_subclass_keeps_chains_as_they_are(tmp_path: Path) -> None:
    """A library the project imports that defines its own Failure subclass (foolscap's
    `CopiedFailure`, which tahoe-lafs gets from every `callRemote`): read from the library's
    source, no pass-through or chain converts."""
    lib = tmp_path / "lib" / "remotelib"
    lib.mkdir(parents=True)
    (lib / "__init__.py").write_text("")
    (lib / "call.py").write_text(textwrap.dedent("""
        from twisted.python import failure


        class CopiedFailure(failure.Failure):
            pass
    """))
    source = """
        from twisted.internet import defer

        import remotelib


        @defer.inlineCallbacks
        def load(key):
            yield defer.succeed(None)
            return key


        def load_default(key):
            return load(key or "x")
    """
    _, without = fix(source)
    assert without["load_default"] == ""
    _, reasons = fix(source, library_path=(str(tmp_path / "lib"),))
    assert "`remotelib.call.CopiedFailure`" in reasons["load_default"]


def test_a_nested_handler_handed_on_through_maybedeferred_keeps_its_wrapper() -> None:
    """`yield self.register(on_call, uri)` keeps on_call's Deferred API and becomes
    `await defer.maybeDeferred(self.register, on_call, uri)`; on the second run the keep-API
    wrapper is a pass-through whose only use is that argument, which `register` receives.
    Counted as a callback maybeDeferred calls, it was converted then (crossbar, a project
    txasync had not seen: fix twice was not fix once)."""
    source = """
        from twisted.internet.defer import inlineCallbacks, returnValue


        class Session:
            def register(self, f, uri):
                self.handler = f

            @inlineCallbacks
            def onJoin(self, details):
                @inlineCallbacks
                def on_call(url=None):
                    res = yield self.request(url)
                    returnValue(res)

                yield self.register(on_call, details)

            def request(self, url):
                return None
    """
    once, _ = fix(source, twisted_version=(24, 7))
    assert "def on_call(url=None):\n            return defer.ensureDeferred(" in once
    twice, reasons = fix(once, twisted_version=(24, 7))
    assert twice == textwrap.dedent(once)
    assert [name for name, reason in reasons.items()
            if name.endswith("<locals>.on_call") and reason] != []
