"""Per-file facts: every import form of inlineCallbacks, own-frame yields and returnValue."""

from __future__ import annotations

import textwrap

import pytest

from txasync.analysis.facts import extract_facts


def facts_of(source: str, module: str = "pkg.mod"):
    return extract_facts(textwrap.dedent(source), "/x/pkg/mod.py", module, False)


def ic_names(source: str) -> set[str]:
    return {f.qualname for f in facts_of(source).functions if f.is_ic}


@pytest.mark.parametrize(
    "header, decorator",
    [
        ("from twisted.internet.defer import inlineCallbacks", "@inlineCallbacks"),
        ("from twisted.internet import defer", "@defer.inlineCallbacks"),
        ("import twisted.internet.defer", "@twisted.internet.defer.inlineCallbacks"),
        ("from twisted.internet.defer import inlineCallbacks as ic", "@ic"),
        ("from twisted.internet import defer as d", "@d.inlineCallbacks"),
        ("import twisted.internet.defer as tid", "@tid.inlineCallbacks"),
        ("from twisted import internet", "@internet.defer.inlineCallbacks"),
        ("import pytest_twisted", "@pytest_twisted.inlineCallbacks"),
        ("from twisted.internet import defer\nic = defer.inlineCallbacks", "@ic"),
    ],
)
def test_every_import_form_is_recognised(header: str, decorator: str) -> None:
    source = f"{header}\n\n{decorator}\ndef f(d):\n    yield d\n"
    assert ic_names(source) == {"f"}


def test_unrelated_decorator_with_the_same_name_is_not_inlinecallbacks() -> None:
    source = "def inlineCallbacks(f):\n    return f\n\n@inlineCallbacks\ndef f():\n    yield 1\n"
    assert ic_names(source) == set()


def test_call_form_at_module_and_class_level() -> None:
    source = """
    from twisted.internet import defer

    def f(d):
        x = yield d
        defer.returnValue(x)
    f = defer.inlineCallbacks(f)

    class C:
        def m(self):
            yield None
        m = defer.inlineCallbacks(m)
    """
    facts = facts_of(source)
    f = facts.function("f")
    assert f is not None and f.ic_form == "call" and f.ic_call_span is not None
    # returnValue in a call-form function is still its own frame
    assert [rv.own_frame for rv in f.return_values] == [True]
    assert ic_names(source) == {"f", "C.m"}


def test_own_yields_exclude_nested_scopes() -> None:
    source = """
    from twisted.internet import defer

    @defer.inlineCallbacks
    def f(d):
        def gen():
            yield 1
        lam = lambda: (yield)
        class K:
            def g(self):
                yield 2
        x = yield d
        y = yield 5
        yield
        return x, y
    """
    f = facts_of(source).function("f")
    assert f is not None
    assert [(y.span.line, y.value.kind, y.context) for y in f.yields] == [
        (12, "name", "assign"), (13, "plain", "assign"), (14, "none", "statement")]


def test_returnvalue_frames_and_guards() -> None:
    source = """
    from twisted.internet.defer import inlineCallbacks, returnValue

    @inlineCallbacks
    def f(d):
        def helper(x):
            returnValue(x)
        try:
            x = yield d
            returnValue(x)
        except:
            pass
        with open("f") as fh:
            returnValue(1)
        try:
            returnValue(2)
        except BaseException:
            raise
        returnValue(3, 4)
    """
    f = facts_of(source).function("f")
    assert f is not None
    assert f.nested_return_value is not None and f.nested_return_value.line == 7
    assert [rv.guarded_by for rv in f.return_values] == [
        "bare-except", "with", "baseexception", ""]
    assert f.return_values[-1].nargs == 2


def test_yield_from_and_decorators_and_class() -> None:
    source = """
    import functools
    from twisted.internet import defer
    from twisted.trial import unittest

    class T(unittest.TestCase):
        @staticmethod
        @defer.inlineCallbacks
        def f(d):
            yield from d

        @functools.lru_cache()
        @defer.inlineCallbacks
        def test_x(self):
            yield 1
    """
    facts = facts_of(source)
    f = facts.function("T.f")
    assert f is not None and f.is_staticmethod and f.ic_index == 1
    assert [y.is_from for y in f.yields] == [True]
    t = facts.function("T.test_x")
    assert t is not None and t.decorators[0] == "functools.lru_cache()"
    assert t.class_bases == ("twisted.trial.unittest.TestCase",)


def test_call_usages_are_classified() -> None:
    source = """
    from twisted.internet import defer, reactor

    @defer.inlineCallbacks
    def f(self):
        a = self.get(1)
        yield self.get(2)
        self.get(3)
        self.get(4).addCallback(print)
        yield defer.gatherResults([self.get(5)])
        reactor.callLater(0, self.get)

    def g(self):
        return self.get(6)
    """
    facts = facts_of(source)
    usage = {(s.span.line, s.uncalled): (s.usage, s.detail) for s in facts.calls
             if s.callee.name == "get"}
    assert usage[(6, False)] == ("stored", "a")
    assert usage[(7, False)] == ("yielded", "")
    assert usage[(8, False)] == ("statement", "")
    assert usage[(9, False)] == ("deferred-method", "addCallback")
    assert usage[(10, False)] == ("argument", "defer.gatherResults")
    assert usage[(11, True)] == ("argument", "reactor.callLater")
    assert usage[(14, False)] == ("returned", "")


def test_character_columns_with_non_ascii_text() -> None:
    source = ('from twisted.internet import defer\n@defer.inlineCallbacks\ndef f(d):\n'
              '    x = "ñ"; y = yield d\n')
    f = facts_of(source).function("f")
    assert f is not None
    assert f.yields[0].span.col == len('    x = "ñ"; y = ')


def test_syntax_error_is_a_fact_not_an_exception() -> None:
    facts = facts_of("def f(:\n")
    assert facts.error is not None and "cannot parse" in facts.error


def test_noqa_comments() -> None:
    facts = facts_of("x = 1  # noqa\ny = 2  # noqa: TXA001, TXA003\nz = 3\n")
    assert facts.noqa == {1: None, 2: frozenset({"TXA001", "TXA003"})}


def test_a_parameter_shadows_an_imported_module() -> None:
    """`def launch(txtorcon): txtorcon.launch()` calls whatever the caller passed (a test
    hands a Mock), not the module imported elsewhere in the file (found by tahoe-lafs)."""
    facts = facts_of("""
        def _import():
            import txtorcon
            return txtorcon

        def launch(reactor, txtorcon):
            return txtorcon.launch(reactor)

        def direct(reactor):
            return txtorcon.launch(reactor)
    """)
    calls = {(s.enclosing, s.callee.text): s.callee for s in facts.calls}
    assert calls[("launch", "txtorcon.launch")].qualified is None
    assert calls[("launch", "txtorcon.launch")].receiver == "other"
    assert calls[("direct", "txtorcon.launch")].qualified == "txtorcon.launch"


@pytest.mark.parametrize(("body", "choices"), [
    ("for n in ('a', 'b'):\n        h(getattr(o, n))\n", ("a", "b")),
    ("for n in ['a']:\n        pass\n    else:\n        h(getattr(o, n))\n", ("a",)),
    # what the loop cannot say: another binding of the name, a non-literal, another scope
    ("for n in ('a', 'b'):\n        n = n + '_x'\n        h(getattr(o, n))\n", ()),
    ("for n in ('a', 'b'):\n        [h(getattr(o, n)) for n in names]\n", ()),
    ("for n in ('a', 'b'):\n        g = lambda n: h(getattr(o, n))\n", ()),
    ("for m in ('a', 'b'):\n        g = lambda n: h(getattr(o, n))\n", ()),
    ("for n in ('a', x):\n        h(getattr(o, n))\n", ()),
    ("for n in ('a', 'b'):\n        import n.sub\n        h(getattr(o, n))\n", ()),
    ("for n in ('a', 'b'):\n        def n(): pass\n        h(getattr(o, n))\n", ()),
    ("for n in names:\n        h(getattr(o, n))\n", ()),
    ("for n in ('a', 'b'):\n        pass\n    h(getattr(o, n))\n", ()),
])
def test_a_lookup_by_a_loop_variable_over_literal_strings(body: str, choices: tuple) -> None:
    """`getattr(o, n)` handed over inside `for n in ("a", "b"):` can only find `a` or `b`
    (`CallSite.name_choices`); anything that may bind `n` otherwise leaves it any name."""
    facts = extract_facts(f"def f(o, h, names, x):\n    {body}", "m.py", "m", False)
    assert [s.name_choices for s in facts.dynamic_calls] == [choices]


@pytest.mark.parametrize(("call", "handed"), [
    ("type(getattr(o, n))", False),
    ("callable(getattr(o, n))", False),
    ("isinstance(self.m, C)", False),
    ("print(repr(self.m))", False),
    # three arguments make a class (its namespace's functions are called later)
    ("type('C', (), getattr(o, n))", True),
    ("record(getattr(o, n))", True),
])
def test_an_inspecting_builtin_is_handed_nothing(call: str, handed: bool) -> None:
    """`type(x)`, `callable(x)`, `isinstance(x, C)`, `repr(x)` look at a method without
    calling it, and see the same of an `async def`: no hand-over (no caller, no computed-
    name reason). Shadowed, the name is any function."""
    def handed_over(text: str) -> list[object]:
        facts = extract_facts(text, "m.py", "m", False)
        return [s for s in [*facts.calls, *facts.dynamic_calls]
                if s.uncalled and (s.computed or s.callee.text == "self.m")]

    assert bool(handed_over(f"def f(self, o, n, record, C):\n    {call}\n")) == handed
    assert handed_over(f"def f(self, o, n, record, C, type, callable, isinstance, print, "
                       f"repr):\n    {call}\n")


@pytest.mark.parametrize(("body", "narrowed"), [
    ("x.m()\n", ("x", "C")),
    ("x = other()\n        x.m()\n", None),
    ("try:\n            pass\n        except E as x:\n            x.m()\n", None),
    ("import x\n        x.m()\n", None),
    ("def x(): pass\n        x.m()\n", None),
])
def test_isinstance_narrowing_ends_where_the_name_may_be_bound_again(
        body: str, narrowed: tuple[str, str] | None) -> None:
    """`if isinstance(x, C):` tells the receiver's class only while nothing in the body may
    bind `x` again (`_rebinds`, shared with the literal loops above)."""
    text = f"def f(x, other, E):\n    if isinstance(x, C):\n        {body}"
    facts = extract_facts(text, "m.py", "m", False)
    assert [s.narrowed for s in facts.calls if s.callee.text == "x.m"] == [narrowed]


# -- the walk's shortcuts change no fact ---------------------------------------------------

# Where a chain or a pass-through may hide from the walk's view of a function: its own
# decorators, defaults and annotations (read outside its scope, or not at all), returns only
# in nested frames, a docstring that says "@return", a generator whose returns are calls, a
# chain call in a class body inside the function, a full-width name (NFKC: `ａddCallback` is
# `addCallback`), calls under a lambda.
SHORTCUT_CASES = '''
from twisted.internet import defer

def in_decorator():
    @register(d.addCallback(print))
    def inner():
        pass
    return inner

@wrap(defer.succeed(1).addCallback(print))
def chained_in_own_decorator(x):
    pass

def chained_in_default(d=defer.succeed(1).addBoth(print)):
    pass

def chained_in_annotation(x: defer.succeed(1).addErrback(print)) -> None:
    pass

def returns_only_nested():
    """@return: nothing, but the text says it."""
    def inner():
        return fetch()
    inner()

def generator_returning_call():
    yield 1
    return fetch()

def class_body_chain():
    class Local:
        d = defer.succeed(1).addCallback(print)
    return Local

def full_width(d):
    d.ａddCallback(print)
    return d

def passthrough(x):
    if x:
        return fetch(x)
    return defer.succeed(x)

def under_lambda(d):
    return (lambda: d.addCallback(print))

def plain(x):
    return x + 1

class Service:
    def proxy(self, key):
        return self.store.fetch(key)

    def chain(self, key):
        d = self.store.fetch(key)
        d.addCallback(self.cache)
        return d
'''


def _shortcut_corpus() -> list[tuple[str, str]]:
    """The cases above, and every Python file of the golden cases and fixtures."""
    from pathlib import Path
    here = Path(__file__).parent
    found = [("cases.py", SHORTCUT_CASES)]
    for root in (here / "golden", here / "fixtures"):
        found += [(str(p), p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.py"))]
    return found


def test_walk_shortcuts_change_no_fact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skipping the leaves nothing handles (`_LEAVES`) and computing a plain function's
    Deferred shape only where the walk saw that one may exist (`_may_have_shape`) give the
    facts a walk without either shortcut gives, on every file of the corpus."""
    from txasync.analysis import facts as facts_module

    corpus = _shortcut_corpus()
    assert len(corpus) > 100
    fast = [extract_facts(text, path, "pkg.mod", False) for path, text in corpus]
    shapes = {f.qualname: f.shape for f in fast[0].functions}
    assert shapes["chained_in_own_decorator"] is not None
    assert shapes["chained_in_default"] is not None
    assert shapes["chained_in_annotation"] is not None
    assert shapes["full_width"] is not None and shapes["passthrough"] is not None
    assert shapes["Service.proxy"] is not None and shapes["Service.chain"] is not None
    assert shapes["plain"] is None and shapes["returns_only_nested"] is None
    monkeypatch.setattr(facts_module, "_LEAVES", frozenset())
    monkeypatch.setattr(facts_module._FactWalker, "_may_have_shape", lambda *_: True)
    slow = [extract_facts(text, path, "pkg.mod", False) for path, text in corpus]
    for (path, _), quick, full in zip(corpus, fast, slow, strict=True):
        assert quick == full, path


def test_leaves_have_no_handler() -> None:
    """`_LEAVES` may only hold node types no `visit_` method handles and whose fields hold
    no node: skipping one must skip nothing."""
    import ast

    from txasync.analysis.facts import _LEAVES, _FactWalker

    for leaf in _LEAVES:
        assert not hasattr(_FactWalker, f"visit_{leaf.__name__}"), leaf
    for _, text in _shortcut_corpus():
        for node in ast.walk(ast.parse(text)):
            if type(node) in _LEAVES:
                assert not any(isinstance(v, ast.AST) or (
                    isinstance(v, list) and any(isinstance(i, ast.AST) for i in v))
                    for f, v in ast.iter_fields(node) if f != "ctx"), node
