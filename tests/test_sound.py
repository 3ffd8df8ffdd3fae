"""Soundness across modules: every value a call can return decides what its yield becomes.

Each test is a small workspace of several modules (a library and the tests that replace its
functions, interfaces and their implementers, mixins, test-case bases), analysed as
`txasync fix` would analyse the whole tree. The golden cases `sound_*`, `refs_*`,
`scope_*` and `every_call_*` show the same classes within one file, with their behaviour
run before and after under real Twisted.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from helpers import make_project
from txasync.analysis.plan import Planner
from txasync.engine import Project, analyse

make = make_project


def actions(project: Project, module_suffix: str, qualname: str) -> dict[int, str]:
    planner = Planner(project.workspace, project.config)
    facts = next(f for p, f in project.facts.items() if p.endswith(module_suffix))
    fn = facts.function(qualname)
    assert fn is not None
    return {y.span.line: planner.classify_yield(facts, fn, y) for y in fn.yields}


LIB = """
    from twisted.internet import defer

    def fetch():
        return defer.succeed(1)

    def fetch_b():
        return defer.succeed(2)

    def fetch_c():
        return defer.succeed(3)

    class Client:
        def get(self):
            return defer.succeed(4)

        @defer.inlineCallbacks
        def setup(self):
            yield defer.succeed(None)
            return 5

        @defer.inlineCallbacks
        def run(self):
            a = yield fetch()
            b = yield fetch_b()
            c = yield fetch_c()
            d = yield self.get()
            e = yield self.setup()
            f = yield untouched()
            return (a, b, c, d, e, f)

    def untouched():
        return defer.succeed(6)
"""


def test_doubles_in_other_modules_make_yields_conservative(tmp_path: Path) -> None:
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/lib.py": LIB,
        "pkg/test_lib.py": """
            from unittest import mock
            from twisted.trial import unittest
            from pkg import lib

            class T(unittest.TestCase):
                def test_a(self):
                    self.patch(lib, "fetch", lambda: 1)

                @mock.patch("pkg.lib.fetch_b")
                def test_b(self, m):
                    m.return_value = 2

                def test_c(self, monkeypatch=None):
                    client = lib.Client()
                    client.get = mock.Mock(return_value=4)
                    with mock.patch.object(lib.Client, "setup", new=lambda self: 5):
                        pass

                def test_d(self):
                    double = mock.Mock()
                    double.fetch_c.return_value = 3
        """,
    })
    got = actions(project, "lib.py", "Client.run")
    assert list(got.values()) == ["maybe", "maybe", "maybe", "maybe", "maybe", "await"]
    analysis = analyse(project)
    # Replaced by a double the test gives (`new=`), and its only caller yields it: the yield
    # is conservative, so `setup` itself converts plainly.
    assert analysis.decisions["pkg.lib:Client.setup"].convertible
    assert analysis.decisions["pkg.lib:Client.run"].convertible


@pytest.mark.parametrize("param", ["client: Client", "client"])
def test_replaced_function_keeps_its_api_where_a_caller_needs_a_wrap(
        tmp_path: Path, param: str) -> None:
    """`ensureDeferred(client.setup())` fails on the double's plain value where
    `client.setup().addCallback(...)` worked on a Mock: a caller needing a wrap keeps it,
    whether its receiver is typed (a resolved caller) or not (a possible one, wrapped too
    because its result is used as a Deferred)."""
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/lib.py": LIB + f"""
    def kick({param}, log):
        client.setup().addCallback(log.append)
""",
        "pkg/test_lib.py": """
            from unittest import mock
            from pkg import lib

            def test_kick():
                client = lib.Client()
                client.setup = mock.Mock()
                lib.kick(client, [])
        """,
    })
    setup = analyse(project).decisions["pkg.lib:Client.setup"]
    assert setup.keep_api and not setup.convertible
    assert setup.caller_reasons[0].kind == "replaced-at-run-time"
    assert "`client.setup` at lib.py:" in setup.caller_reasons[0]
    assert "would need a wrap" in setup.caller_reasons[0]


def test_replacement_on_a_typed_receiver_reaches_only_its_dispatch(tmp_path: Path) -> None:
    """`self.client.setup = Mock()` with `self.client` a `Client` replaces `Client.setup`
    (and overrides below it), not every method called `setup`; `Service.setup = f` on a
    library class replaces no workspace function; `patch("pkg.lib.fetch")` only `fetch`."""
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/lib.py": LIB + """
    class Other:
        @defer.inlineCallbacks
        def setup(self):
            yield defer.succeed(None)

    def fetch_d():
        return defer.succeed(7)
""",
        "pkg/test_lib.py": """
            from unittest import mock
            from twisted.application.service import Service
            from pkg import lib

            class T:
                def setUp(self):
                    self.client = lib.Client()
                    self.client.setup = mock.Mock()
                    Service.startService = lambda self: None

                @mock.patch("pkg.lib.fetch_d")
                def test_b(self, m):
                    pass
        """,
    })
    ws = project.workspace
    assert ws.replacement("pkg.lib:Client.setup") is not None
    assert ws.replacement("pkg.lib:Other.setup") is None
    assert ws.replacement("pkg.lib:fetch_d") is not None
    assert ws.replacement("pkg.lib:fetch") is None
    assert "startService" not in ws.replaced


def test_interface_adaptation_reaches_implementers(tmp_path: Path) -> None:
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/iface.py": """
            from zope.interface import Interface

            class IStore(Interface):
                def lookup(key):
                    "Look up."

                def size():
                    "How many."
        """,
        "pkg/impl.py": """
            from zope.interface import implementer
            from twisted.internet import defer
            from pkg.iface import IStore

            @implementer(IStore)
            class Mem:
                def lookup(self, key):
                    return defer.succeed(key)

                def size(self):
                    return 3
        """,
        "pkg/use.py": """
            from twisted.internet import defer
            from pkg.iface import IStore

            @defer.inlineCallbacks
            def go(obj, store: IStore):
                a = yield IStore(obj).lookup(1)
                b = yield IStore(obj).size()
                c = yield store.lookup(2)
                return (a, b, c)
        """,
    })
    # every implementer returns a Deferred: await; a plain value: kept conservative, since a
    # provider out of sight may return a Deferred
    assert list(actions(project, "use.py", "go").values()) == ["await", "maybe", "await"]


def test_unfound_base_makes_self_calls_possible_callers(tmp_path: Path) -> None:
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/steps.py": """
            from twisted.internet import defer

            class Base:
                @defer.inlineCallbacks
                def run_seq(self):
                    yield defer.succeed(None)
                    return 1
        """,
        "pkg/plugin.py": """
            from plugins_loaded_at_run_time import steps

            class S(steps.Base):
                def go(self):
                    return {"seq": self.run_seq()}
        """,
    })
    analysis = analyse(project)
    d = analysis.decisions["pkg.steps:Base.run_seq"]
    assert not d.convertible and d.keep_api
    assert "self.run_seq" in d.caller_reasons[0]


def test_getattr_prefix_keeps_the_deferred_api(tmp_path: Path) -> None:
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/proto.py": """
            from twisted.internet import defer

            class Proto:
                def dispatch(self, name, arg):
                    return getattr(self, "cmd_" + name)(arg)

                def register(self, name, table):
                    table[name] = getattr(self, "req_" + name)

                @defer.inlineCallbacks
                def cmd_stop(self, arg):
                    yield defer.succeed(arg)

                @defer.inlineCallbacks
                def req_stop(self, arg):
                    yield defer.succeed(arg)

                @defer.inlineCallbacks
                def other(self, arg):
                    yield defer.succeed(arg)
        """,
    })
    analysis = analyse(project)
    # Handed on: whoever calls it later expects a Deferred.
    req = analysis.decisions["pkg.proto:Proto.req_stop"]
    assert req.keep_api and req.caller_reasons[0].kind == "computed-name"
    # Called at once and returned: the return is made coroutine-aware instead.
    cmd = analysis.decisions["pkg.proto:Proto.cmd_stop"]
    assert cmd.convertible and [w.kind for _, w in cmd.wraps] == ["aware"]
    assert analysis.decisions["pkg.proto:Proto.other"].convertible
    assert not analysis.decisions["pkg.proto:Proto.other"].wraps


TESTTOOLS = {
    "testtools/__init__.py": "from testtools.testcase import TestCase\n",
    "testtools/testcase.py": "import unittest\n\n\nclass TestCase(unittest.TestCase):\n"
                             "    pass\n",
}


def test_testtools_cases_need_an_async_runner(tmp_path: Path) -> None:
    project = make(tmp_path, {
        **TESTTOOLS,
        "pkg/__init__.py": "",
        "pkg/test_x.py": """
            import testtools
            from twisted.internet import defer

            class Plain(testtools.TestCase):
                @defer.inlineCallbacks
                def test_a(self):
                    yield defer.succeed(None)

            class AsyncBase(testtools.TestCase):
                run_tests_with = AsynchronousDeferredRunTest.make_factory(timeout=5)

            class Async(AsyncBase):
                @defer.inlineCallbacks
                def test_b(self):
                    yield defer.succeed(None)
        """,
    })
    analysis = analyse(project)
    plain = analysis.decisions["pkg.test_x:Plain.test_a"]
    assert not plain.convertible and "AsynchronousDeferredRunTest" in plain.reasons[0]
    assert analysis.decisions["pkg.test_x:Async.test_b"].convertible
    old = analyse(make(tmp_path / "old", {**TESTTOOLS, "pkg/__init__.py": "",
                                          "pkg/test_x.py": (tmp_path / "pkg/test_x.py")
                                          .read_text()}, (22, 4)))
    assert "22.8" in old.decisions["pkg.test_x:Async.test_b"].reasons[0]


def test_hazards_do_not_assert_behind_an_unknown_decorator(tmp_path: Path) -> None:
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/svc.py": """
            from twisted.internet import reactor
            from twisted.application import service
            from somewhere import deferred_from_coroutine

            @deferred_from_coroutine
            async def tick():
                pass

            async def tock():
                pass

            reactor.callLater(1, tick)
            reactor.callLater(1, tock)

            class S(service.Service):
                @deferred_from_coroutine
                async def stopService(self):
                    pass
        """,
    })
    findings = sorted(analyse(project).findings, key=lambda f: f.span.line)
    assert [(f.code, f.span.line) for f in findings] == [("TXA012", 13), ("TXA012", 14)]
    # behind a decorator txasync cannot see through: said, not asserted
    assert "unless its decorator `@somewhere.deferred_from_coroutine`" in findings[0].message
    assert "unless" not in findings[1].message


def test_a_latent_bug_fixed_on_purpose_is_said(tmp_path: Path) -> None:
    source = (Path(__file__).parent / "golden" / "behaviour_change_coroutine_runs"
              / "before.py").read_text()
    old = analyse(make(tmp_path / "old", {"m.py": source}, (22, 4)))
    (txa001,) = [f for f in old.findings if f.code == "TXA001"]
    assert "behaviour changes on purpose" in txa001.message
    assert txa001.data["behaviour_changes"][0].startswith("line 14:")
    new = analyse(make(tmp_path / "new", {"m.py": source}, (24, 7)))
    (txa001,) = [f for f in new.findings if f.code == "TXA001"]
    assert not txa001.data["behaviour_changes"]


def test_spec_doubles_and_constant_getattr(tmp_path: Path) -> None:
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/store.py": """
            from twisted.internet import defer

            class Store:
                def get(self, key):
                    return defer.succeed(key)

            class Handler:
                def __init__(self, store: Store):
                    self.store = store

                @defer.inlineCallbacks
                def run(self):
                    value = yield self.store.get(1)
                    return value

                @defer.inlineCallbacks
                def named(self):
                    yield defer.succeed(None)

                def call_named(self):
                    return getattr(self, "named")()
        """,
        "pkg/test_store.py": """
            from unittest import mock
            from pkg.store import Handler, Store

            def test_run():
                Handler(mock.Mock(spec=Store)).run()
        """,
    })
    assert list(actions(project, "store.py", "Handler.run").values()) == ["maybe"]
    analysis = analyse(project)
    # `getattr(self, "named")()` reaches `named`; returned at once, it is made
    # coroutine-aware rather than keeping the Deferred API.
    named = analysis.decisions["pkg.store:Handler.named"]
    assert named.convertible and [w.kind for _, w in named.wraps] == ["aware"]


def test_duck_typed_fakes_in_tests_are_receivers_too(tmp_path: Path) -> None:
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/store.py": """
            from twisted.internet import defer

            class Store:
                def get(self, key):
                    return defer.succeed(key)

                @defer.inlineCallbacks
                def put(self, key):
                    yield defer.succeed(key)

            class Handler:
                def __init__(self, store: Store):
                    self.store = store

                @defer.inlineCallbacks
                def run(self):
                    value = yield self.store.get(1)
                    d = self.store.put(1)
                    yield d
                    return value
        """,
        "pkg/tests/__init__.py": "",
        "pkg/tests/test_handler.py": """
            from pkg.store import Handler

            class FakeStore:
                def get(self, key):
                    return key

                def put(self, key):
                    return None

            def test_run():
                Handler(FakeStore()).run()
        """,
    })
    assert list(actions(project, "store.py", "Handler.run").values()) == ["maybe", "maybe"]
    analysis = analyse(project)
    # `d = self.store.put(1)` may reach the fake's plain `put`: no `ensureDeferred` wrap
    # fits both, so the assignment is made coroutine-aware (a plain value passes through).
    put = analysis.decisions["pkg.store:Store.put"]
    assert put.convertible and [w.kind for _, w in put.wraps] == ["aware"]


def test_txa014_respells_succeed_of_a_failure(tmp_path: Path) -> None:
    from txasync.engine import fix_text

    source = textwrap.dedent("""\
        from twisted.internet.defer import succeed
        from twisted.python.failure import Failure


        def fake(key):
            return succeed(Failure(KeyError(key)))


        def other(fail):
            return succeed(Failure(KeyError(fail)))
    """)
    fixed, analysis = fix_text(source)
    assert [f.code for f in analysis.findings] == ["TXA014", "TXA014"]
    assert [f.fix_safety for f in analysis.findings] == ["unsafe", "none"]
    assert "from twisted.internet.defer import fail, succeed\n" in fixed
    assert "    return fail(Failure(KeyError(key)))\n" in fixed
    assert "    return succeed(Failure(KeyError(fail)))\n" in fixed  # `fail` is local there
    assert fix_text(fixed)[0] == fixed


def test_fix_summary_names_behaviour_changes_and_respellings(tmp_path: Path) -> None:
    from helpers import txasync

    golden = Path(__file__).parent / "golden"
    target = tmp_path / "serve.py"
    target.write_text((golden / "behaviour_change_coroutine_runs" / "before.py").read_text())
    fake = tmp_path / "fake.py"
    fake.write_text((golden / "txa014" / "failure_in_succeed" / "before.py").read_text())
    proc = txasync("fix", "--diff", "--twisted-version", "22.4", str(target), str(fake))
    assert "serve.py:13: serve: behaviour changes on purpose: line 14:" in proc.stderr
    assert "would fix 2 test doubles that succeed with a Failure (TXA014)" in proc.stderr


def test_fakes_that_succeed_with_stored_failures_are_fixed(tmp_path: Path) -> None:
    """A fake answering from a list the tests fill with `Failure(...)` values: after `fix`
    the project's own trial suite passes as before (without the TXA014 fix, the converted
    `await` fails an assertion inside Twisted 24.11+)."""
    from helpers import copy_project, run_trial, txasync

    project = copy_project(Path(__file__).parent / "fixtures" / "failure_fakes",
                           tmp_path / "proj")
    assert run_trial(sys.executable, project, "fakes_app")[0] == "PASSED (successes=1)"
    proc = txasync("fix", str(project))
    assert "fixed 2 test doubles that succeed with a Failure (TXA014)" in proc.stdout
    fake = (project / "fakes_app" / "testutil.py").read_text()
    assert "defer.maybeDeferred(lambda: self.answers.pop(0))" in fake
    assert run_trial(sys.executable, project, "fakes_app")[0] == "PASSED (successes=1)"
    assert "would convert 0 functions" in txasync("fix", "--diff", str(project)).stderr


def test_a_comprehension_variable_does_not_hide_a_function(tmp_path: Path) -> None:
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/m.py": """
            from twisted.internet import defer

            @defer.inlineCallbacks
            def fetch(x):
                yield defer.succeed(x)
                return x

            def use(items):
                names = [fetch for fetch in items]
                return fetch(1).addCallback(lambda r: (names, r))

            def shadowed(items):
                names = [fetch for fetch in items]
                fetch = len
                return fetch(names)
        """,
    })
    d = analyse(project).decisions["pkg.m:fetch"]
    assert [s.span.line for _, w in d.wraps for s in [w]] == [11]


def test_attribute_of_a_library_object_is_an_unknown_receiver(tmp_path: Path) -> None:
    """`request.channel.site.handler.save()`: an attribute of a library object may be a
    project object, so the call is a possible caller of every `save`, never none; a plain
    `dict` receiver (`self.rows.save` is no project method) stays outside."""
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/app.py": """
            from twisted.internet import defer
            from twisted.web.server import Request

            class Handler:
                @defer.inlineCallbacks
                def save(self):
                    yield defer.succeed(None)

            def on_request(request: Request):
                return (request.channel.site.handler.save(), request)

            class Rows:
                def __init__(self):
                    self.rows = {}

                def flush(self):
                    return (self.rows.save(), self)
        """,
    })
    decision = analyse(project).decisions["pkg.app:Handler.save"]
    assert decision.keep_api
    assert decision.caller_reasons[0].kind == "unknown-receiver"
    assert "request.channel.site.handler.save" in decision.caller_reasons[0]
    assert "self.rows.save" not in " ".join(decision.caller_reasons)


def test_a_result_already_checked_for_a_coroutine_needs_nothing(tmp_path: Path) -> None:
    """`r = w.run()` then `if inspect.iscoroutine(r): r = ensureDeferred(r)` (txasync's own
    coroutine-aware form, or a project's) takes any result; a check followed by anything
    else proves nothing, and gets txasync's form."""
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/m.py": """
            import inspect
            from twisted.internet import defer

            class Job:
                @defer.inlineCallbacks
                def run(self):
                    yield defer.succeed(None)

                @defer.inlineCallbacks
                def stop(self):
                    yield defer.succeed(None)

            def start(w):
                r = w.run()
                if inspect.iscoroutine(r):
                    r = defer.ensureDeferred(r)
                return {"started": r}

            def halt(w):
                r = w.stop()
                if inspect.iscoroutine(r):
                    r.close()
                return {"stopped": r}
        """,
    })
    analysis = analyse(project)
    run = analysis.decisions["pkg.m:Job.run"]
    assert run.convertible and not run.wraps
    # The project's own check proves nothing: txasync's form goes in before it.
    stop = analysis.decisions["pkg.m:Job.stop"]
    assert stop.convertible and [w.kind for _, w in stop.wraps] == ["aware"]


def test_succeed_of_an_unknown_call_is_not_proof_of_a_deferred(tmp_path: Path) -> None:
    """`defer.succeed(x.get(k))` takes any value: with an unknown receiver, `x` may be a
    plain object, so `ensureDeferred` there would raise where the original worked."""
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/m.py": """
            from twisted.internet import defer

            class Store:
                @defer.inlineCallbacks
                def get(self, key):
                    yield defer.succeed(None)

            def first(thing, key):
                return [defer.succeed(thing.get(key))]

            def both(thing, key):
                return [defer.gatherResults([thing.get(key)])]
        """,
    })
    d = analyse(project).decisions["pkg.m:Store.get"]
    assert d.keep_api
    assert [r.where for r in d.caller_reasons] == [f"{tmp_path}/pkg/m.py:10"]


def test_a_fake_method_only_a_library_calls_keeps_what_it_returns(tmp_path: Path) -> None:
    """A test's fake handed to library code (`Agent(pool=FakePool())`): nothing in the
    workspace calls `getConnection`, Twisted does and calls `.addCallback` on the result.
    A method nobody in the workspace calls is someone else's: it keeps its Deferred API."""
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/test_pool.py": """
            from twisted.internet import defer
            from twisted.trial import unittest
            from twisted.web.client import Agent

            class FakePool:
                @defer.inlineCallbacks
                def getConnection(self, key, endpoint):
                    yield defer.succeed(None)
                    raise TabError()

            class T(unittest.TestCase):
                def test_pool(self):
                    Agent(None, pool=FakePool())
        """,
    })
    d = analyse(project).decisions["pkg.test_pool:FakePool.getConnection"]
    assert d.keep_api and d.caller_reasons[0].kind == "no-caller-seen"


def test_a_reference_that_may_be_a_plain_method_gets_no_callback_wrap(tmp_path: Path) -> None:
    """`cleanups.append(fixture.tearDown)` where `fixture` may be the plain `Fixture` or the
    inlineCallbacks `SlowFixture`: `lambda: ensureDeferred(fixture.tearDown())` would raise on
    the plain one's None, so `SlowFixture.tearDown` keeps its Deferred API."""
    project = make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/fixtures.py": """
            from twisted.internet import defer, task

            class Fixture:
                def tearDown(self):
                    return None

            class SlowFixture(Fixture):
                @defer.inlineCallbacks
                def tearDown(self):
                    yield defer.succeed(None)

            def use(fixture: Fixture, clock):
                task.deferLater(clock, 0, fixture.tearDown)
        """,
    })
    d = analyse(project).decisions["pkg.fixtures:SlowFixture.tearDown"]
    assert d.keep_api and d.caller_reasons[0].kind == "mixed-dispatch", d.caller_reasons


def test_a_testtools_setup_in_a_mixin_stays_a_generator(tmp_path: Path) -> None:
    """testtools checks, as soon as `setUp()` returns, that it called up the hierarchy: an
    inlineCallbacks `setUp` had, a coroutine has not run yet. The `setUp` of a mixin counts
    for every testtools case that mixes it in (found by tahoe-lafs)."""
    project = make(tmp_path, {
        **TESTTOOLS,
        "testtools/twistedsupport.py": "class AsynchronousDeferredRunTest:\n    pass\n",
        "pkg/__init__.py": "",
        "pkg/test_x.py": """
            import testtools
            from testtools.twistedsupport import AsynchronousDeferredRunTest
            from twisted.internet import defer

            class Mixin:
                @defer.inlineCallbacks
                def setUp(self):
                    super().setUp()
                    yield defer.succeed(None)

                @defer.inlineCallbacks
                def test_one(self):
                    yield defer.succeed(None)

            class Case(Mixin, testtools.TestCase):
                run_tests_with = AsynchronousDeferredRunTest
        """,
    })
    decisions = analyse(project).decisions
    setup = decisions["pkg.test_x:Mixin.setUp"]
    assert not setup.changes and setup.reasons[0].kind == "test-runner"
    assert decisions["pkg.test_x:Mixin.test_one"].convertible
