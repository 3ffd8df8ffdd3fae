"""The facts txasync knows about a module: plain, picklable data with no parser objects.

Everything downstream (rules, the workspace index, rewrites, the CLI and the language server)
reads these records; none of them re-parse to rediscover a fact. Positions are 1-based lines
and 0-based *character* columns (not UTF-8 bytes as `ast` reports, not UTF-16 as LSP wants).
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from .shapes import DeferredShape

_C = TypeVar("_C", bound=type)


def _pickled_through(builder: Callable[..., Any] | None = None) -> Callable[[_C], _C]:
    """Pickle instances as a call of `builder` (the class itself by default) with their
    field values.

    Facts cross process boundaries (the `--jobs` workers) and are kept in the facts cache
    as pickles, hundreds of thousands of records for a big tree. A slotted dataclass
    otherwise unpickles through `dataclasses`' pure-Python `__setstate__`, one `fields()`
    call and one `setattr` per field: loading tahoe-lafs's cached facts took about 40% less
    time without it. The generated `__init__` takes the fields in order, so calling the
    class with them rebuilds the same record; a builder (`shared_ref`, `make_span`) takes
    them in the same order and shares what it builds, as the walker does."""

    def decorate(cls: _C) -> _C:
        names = [f.name for f in fields(cls)]
        getter = operator.attrgetter(*names)
        build = builder or cls
        single = len(names) == 1

        def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
            values = getter(self)
            return build, ((values,) if single else values)

        cls.__reduce__ = __reduce__  # type: ignore[assignment]
        return cls

    return decorate


_pickled_by_fields = _pickled_through()


def _quick_init(cls: _C) -> _C:
    """Give a frozen, slotted dataclass an `__init__` that fills its slots through their
    descriptors, the same fields in the same order with the same defaults.

    The generated one of a frozen dataclass calls `object.__setattr__` once per field, a
    lookup of the attribute each time: a `CallSite` (twenty fields) took 1.75 µs to make,
    and the walker makes 200,000 of them on Twisted's tree, each unpickled fact is made
    again the same way (`_pickled_through`), and `dataclasses.replace` calls it too. The
    instance stays frozen: assigning an attribute still raises."""
    params: list[str] = []
    body: list[str] = []
    namespace: dict[str, Any] = {}
    for each in fields(cls):
        assert each.default_factory is MISSING, "defaults only: see the docstring"
        if each.default is MISSING:
            params.append(each.name)
        else:
            namespace[f"_default_{each.name}"] = each.default
            params.append(f"{each.name}=_default_{each.name}")
        namespace[f"_set_{each.name}"] = cls.__dict__[each.name].__set__
        body.append(f"    _set_{each.name}(self, {each.name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body) + "\n"
    exec(source, namespace)  # noqa: S102 - the text above, from the field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]
    return cls


# One object per distinct callee record (see `shared_ref`), found by its fields.
# Weak: a record no facts hold any more (the text typed a moment ago) leaves the table, so a
# long editing session does not accumulate every callee it ever saw.
_REFS: weakref.WeakValueDictionary[tuple[Any, ...], Ref] = weakref.WeakValueDictionary()
_NUMBERS: dict[int, int] = {}


def shared_ref(kind: RefKind, name: str, qualified: str | None = None, receiver: Receiver = "",
               receiver_attr: str | None = None, text: str = "") -> Ref:
    """The `Ref` with these fields, one object per distinct value.

    The same callee is written the same way at many sites (`d.addCallback`,
    `self.assertEqual`): on Twisted's tree 240,000 callee records hold 41,000 distinct
    values, each with its own copy of its text. Sharing them is a fifth of the facts'
    memory there, and finding one by its fields costs less than building it. Nothing
    compares records by identity (sites are told apart by their `CallSite`, which is never
    shared), so sharing changes no answer. The walker and unpickling (a worker's facts, the
    facts cache: the cache's unpickler allows this function) both build through here."""
    key = (kind, name, qualified, receiver, receiver_attr, text)
    found = _REFS.get(key)
    if found is None:
        _REFS[key] = found = Ref(kind, name, qualified, receiver, receiver_attr, text)
    return found


def _number(value: int) -> int:
    """A line or column number as one shared object (CPython shares only -5..256 itself;
    a span of a big file would otherwise hold two or four private integers)."""
    if -5 <= value <= 256:
        return value
    return _NUMBERS.setdefault(value, value)


def make_span(line: int, col: int, end_line: int, end_col: int) -> Span:
    """A `Span` whose numbers are shared objects (see `_number`): what the walker and
    unpickling build, 260,000 of them on Twisted's tree."""
    numbers = _NUMBERS  # `_number`, written out: four calls per span were measurable
    return Span(line if -5 <= line <= 256 else numbers.setdefault(line, line),
                col if -5 <= col <= 256 else numbers.setdefault(col, col),
                end_line if -5 <= end_line <= 256 else numbers.setdefault(end_line, end_line),
                end_col if -5 <= end_col <= 256 else numbers.setdefault(end_col, end_col))


@_pickled_through(make_span)
@_quick_init
@dataclass(frozen=True, order=True, slots=True)
class Span:
    line: int
    col: int
    end_line: int
    end_col: int

    def contains(self, other: Span) -> bool:
        return (self.line, self.col) <= (other.line, other.col) and (
            other.end_line,
            other.end_col,
        ) <= (self.end_line, self.end_col)


RefKind = Literal["name", "attr"]
Receiver = Literal["self", "cls", "super", "other", "module", ""]


@_pickled_through(shared_ref)
@dataclass(frozen=True, slots=True, weakref_slot=True)
class Ref:
    """How a callee or a referenced function is written at a site."""

    kind: RefKind
    name: str  # the last component: `get` in `self.store.get`
    qualified: str | None = None  # static qualified name when imports tell it
    receiver: Receiver = ""  # for attributes: what stands before the dot
    receiver_attr: str | None = None  # `store` in `self.store.get`
    text: str = ""  # the source text of the whole callee expression


ValueKind = Literal[
    "none",  # bare `yield`
    "plain",  # literal, container display, arithmetic: never a Deferred
    "call",
    "name",
    "attr",
    "generator",  # a generator expression: Twisted >= 24.7 runs it when yielded
    "other",  # anything else (bool ops, conditionals, subscripts, ...)
]


@_pickled_by_fields
@_quick_init
@dataclass(frozen=True, slots=True)
class Value:
    """What an expression is, as far as syntax tells (a yielded value, an assigned value)."""

    kind: ValueKind
    ref: Ref | None = None
    has_f_keyword: bool = False  # `f=` keyword: maybeDeferred(f, ...) would clash
    # `cast(Store, x)`: the type it names (qualified where imports tell); what the value is,
    # as far as typing the receivers of calls on it goes.
    cast_to: str | None = None


@_pickled_by_fields
@_quick_init
@dataclass(frozen=True, slots=True)
class YieldFact:
    span: Span
    value: Value
    value_span: Span | None
    is_from: bool
    context: Literal["statement", "assign", "expression"]


@_pickled_by_fields
@_quick_init
@dataclass(frozen=True, slots=True)
class ReturnValueFact:
    span: Span
    own_frame: bool
    nargs: int
    as_statement: bool
    guarded_by: Literal["", "bare-except", "baseexception", "with"] = ""
    # `returnValue(*args)`, `returnValue(**kw)` or a keyword other than `val`: how many values
    # it passes is only known at run time.
    unpacked: bool = False

    @property
    def single(self) -> bool:
        """Exactly one value, `returnValue(x)` or `returnValue(val=x)`: a `return x`."""
        return self.nargs == 1 and not self.unpacked


Usage = Literal[
    "awaited",  # `await f()`
    "yielded",  # `yield f()` in the own frame of a generator
    "stored",  # `x = f()`, waited on (or not) later
    "deferred-method",  # `f().addCallback(...)`
    "argument",  # `gatherResults([f()])`, `helper(f())`
    "returned",  # `return f()` or a lambda body
    "statement",  # fire and forget
    # `r = f()` followed by `if inspect.iscoroutine(r):` (or `isawaitable`): the code
    # already takes a coroutine, a Deferred or a plain value alike.
    "checked",
    "other",
]

ScopeKind = Literal["ic", "async", "plain", "lambda", "module", "class"]


@_pickled_by_fields
@_quick_init
@dataclass(frozen=True, slots=True)
class CallSite:
    """A call, or an uncalled reference handed to something (`callLater(0, self.tick)`)."""

    span: Span
    callee: Ref
    usage: Usage
    detail: str = ""  # the method after the call, the API the result is passed to, ...
    enclosing: str = ""  # qualified name of the enclosing def ("" at module level)
    scope: ScopeKind = "module"
    enclosing_class: str = ""  # qualified name of the class around the enclosing def
    uncalled: bool = False
    # For uncalled references: the API the function is handed to (`callLater`, `LoopingCall`).
    handed_to: str | None = None
    # True when the site is a yield in the enclosing function's own frame and the
    # enclosing function is an inlineCallbacks one (or an await in an async def).
    immediate: bool = False
    # A call statement or `return f()` alone on its lines inside a def: it can be replaced by
    # statements that start a coroutine result and pass anything else through.
    own_line: bool = False
    # A call of `getattr(obj, <name>)(...)`: its callee is written `obj._` (the planner
    # puts each method's name in for `_`), and `name_prefix` is the constant start of the
    # name looked up ("on_" in `"on_" + name`, "" when wholly computed).
    computed: bool = False
    name_prefix: str = ""
    # The names such a lookup can only be (`for name in ("a", "b"): getattr(o, name)`);
    # empty: any name starting with `name_prefix`.
    name_choices: tuple[str, ...] = ()
    # Inside `if isinstance(x, C):` (x not rebound in that body, same frame): the receiver
    # name and the class as written, an instance of which (or of a subclass) `x` is there.
    narrowed: tuple[str, str] | None = None
    # For a replacement (`obj.fetch = fake`, `self.patch(obj, "fetch", lambda: d)`): the
    # function it installs, as written (`fake`), or what calling the lambda it installs
    # returns (the call in its body); both None where syntax cannot tell (a Mock, a value).
    replaced_with: Ref | None = None
    replaced_returns: Value | None = None


@_pickled_by_fields
@dataclass(slots=True)
class FunctionFact:
    name: str
    qualname: str  # module-relative: `Store.get`, `outer.<locals>.inner`
    span: Span  # the whole def, decorators included
    name_span: Span
    is_async: bool
    lines: int
    class_qualname: str = ""
    # The class whose `self`/`cls` this body sees: its own for a method, the enclosing
    # method's for a function nested in one (a closure over `self`).
    self_class: str = ""
    # The sequences are tuples (the empty one shared): a function has several, mostly
    # empty, and a big tree has tens of thousands of functions.
    class_bases: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()  # resolved names or source text
    ic_kind: Literal["", "twisted", "pytest_twisted"] = ""
    ic_form: Literal["", "decorator", "call"] = ""
    ic_index: int = -1  # position of the IC decorator in `decorators`
    ic_call_span: Span | None = None  # the `f = inlineCallbacks(f)` statement
    yields: tuple[YieldFact, ...] = ()
    return_values: tuple[ReturnValueFact, ...] = ()
    nested_return_value: Span | None = None  # returnValue in a helper nested in this function
    calls_return_value_helper: tuple[str, ...] = ()  # local names called
    own_return_value_anywhere: bool = False  # a plain def that calls returnValue itself
    # Its own frame reads the warnings raised while it runs (`self.flushWarnings()`,
    # `assertWarns`, `warnings.catch_warnings`, `pytest.warns`): `returnValue`'s deprecation
    # warning is one such a test can see.
    inspects_warnings: bool = False
    returns: tuple[Value, ...] = ()  # `return x` values (own frame)
    assignments: dict[str, list[Value]] = field(default_factory=dict)
    returns_annotation: str = ""
    param_types: dict[str, str] = field(default_factory=dict)
    raises_only: bool = False  # the body only raises (an interface stub)
    # The body is only a docstring, `pass`, `...` or `raise`: a declaration, whose body says
    # nothing about what an implementation returns.
    is_stub: bool = False
    # The return type a docstring names (epytext `@rtype:`/`@return:`, Sphinx `:rtype:`,
    # Google `Returns:`), as written; "" when it names none.
    doc_returns: str = ""
    # Every name the parameters bind (keyword-only, `*args`, `**kw` included): a local that
    # shadows a module-level function of the same name.
    all_params: tuple[str, ...] = ()
    # Names bound only as comprehension targets (local to the comprehension, not the
    # function: a module function of the same name is still reachable elsewhere in the body).
    comprehension_names: frozenset[str] = frozenset()
    # Names declared `global`/`nonlocal`: assignments to them do not make them local.
    declared_outer: tuple[str, ...] = ()
    params: tuple[str, ...] = ()  # positional parameter names, in order
    is_staticmethod: bool = False
    is_classmethod: bool = False
    # A plain function that hands out a Deferred it gets from a call, or builds a callback
    # chain on one (analysis/shapes.py); None for anything else.
    shape: DeferredShape | None = None

    @property
    def is_ic(self) -> bool:
        return bool(self.ic_kind)

    def binds_locally(self, name: str) -> bool:
        """Whether `name` in this body is a local (a parameter or assigned in the body, not
        only in a comprehension, not declared `global`/`nonlocal`)."""
        return name not in self.declared_outer and (name in self.all_params or (
            name in self.assignments and name not in self.comprehension_names))


@_pickled_by_fields
@dataclass(slots=True)
class ClassFact:
    name: str
    qualname: str
    bases: list[str]
    span: Span
    methods: list[str] = field(default_factory=list)
    # `self.x = SomeClass(...)` in any method: attribute name -> class expression (qualified)
    # "" when the attribute is assigned values of more than one (or an unknown) type.
    attribute_types: dict[str, str] = field(default_factory=dict)
    # Attributes with a declared annotation (`x: T` in the body, `self.x: T = ...`): the
    # declaration is their type, whatever is assigned.
    declared_attrs: set[str] = field(default_factory=set)
    # Interfaces named in `@implementer(...)` on the class (qualified where imports tell).
    implements: list[str] = field(default_factory=list)
    # Class-body assignments: name -> the value's source text (`run_tests_with = ...`).
    class_attrs: dict[str, str] = field(default_factory=dict)


@_pickled_by_fields
@_quick_init
@dataclass(frozen=True, slots=True)
class FailureSuccess:
    """`succeed(Failure(e))`: where, and how to respell it `fail(...)`."""

    call: Span
    rename: Span | None  # the `succeed` name; None when the new name cannot be spelled there
    import_fail: bool = False  # `succeed` was imported by name and the new one is not
    # `succeed(x)` of a stored value (`succeed(self.answers[0])`): the value's span. Such a
    # fake succeeds with a Failure when the tests store one; None for `succeed(Failure(e))`.
    arg: Span | None = None
    owner: str = ""  # the class around the call (`FakeProtocol`), "" outside one


@dataclass(frozen=True)
class GeneratorAlias:
    """A module-level alias of `typing.Generator` (`InlineCallbacksType = Generator[Any,
    Any, _T]`, `X: TypeAlias = ...`, `type X[T] = ...`): its type parameters in order, and
    the source text of the Generator's return type, written with those parameters. A
    converted function annotated `-> X[None]` returns what the parameters make of it."""

    params: tuple[str, ...]
    returns: str


@dataclass
class ModuleFacts:
    path: str
    module: str
    is_package: bool
    functions: list[FunctionFact] = field(default_factory=list)
    classes: list[ClassFact] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    imports: dict[str, str] = field(default_factory=dict)
    runtime_imports: set[str] = field(default_factory=set)  # bound at import time, top level
    imported_modules: set[str] = field(default_factory=set)  # `import a.b.c` makes a.b.c usable
    module_names: set[str] = field(default_factory=set)
    # Modules this one star-imports (`from M import *`), absolute, in the order written: a
    # name bound nowhere in the module may be one of theirs (see `Workspace.star_binding`).
    star_imports: list[str] = field(default_factory=list)
    # Module-level names bound to another name (`Base = unittest.TestCase` in one branch of an
    # `if`, `object` in the other): name -> every name it may be. A class deriving from such a
    # name derives from all of them, as far as who may call its methods goes.
    name_aliases: dict[str, list[str]] = field(default_factory=dict)
    # Names some function declares `global` (and may rebind at run time).
    rebound_globals: set[str] = field(default_factory=set)
    # How many times each name is bound at module level, in any form.
    module_bindings: dict[str, int] = field(default_factory=dict)
    # Imported names that may stand for more than one thing at run time (imported from two
    # places, or imported and bound again at module level: an `if`/`else` or
    # `try`/`except ImportError` alternative): name -> every qualified name imported as it.
    import_alternatives: dict[str, list[str]] = field(default_factory=dict)
    # Module-level names bound once to a constructor call (`store = Store()`): name -> the
    # class (qualified where imports tell); "" when bound to more than one thing, or
    # rebound through `global`.
    module_types: dict[str, str] = field(default_factory=dict)
    noqa: dict[int, frozenset[str] | None] = field(default_factory=dict)  # line -> codes/all
    # What the module replaces at run time (a test double, a patch), written as the call of
    # the replaced attribute it stands for: `self.master.stop = Mock()` as `self.master.stop`,
    # `patch("pkg.mod.Cls.stop")` as the qualified name, `setattr(obj, "stop", f)` with `obj`
    # as the receiver. The index replaces only what such a call could reach; where it cannot
    # tell (an untyped receiver), every function of that name. `detail` is "patched" where
    # `patch()` makes the double itself (an AsyncMock once the function is `async def`).
    replacements: list[CallSite] = field(default_factory=list)
    # Every store into an attribute, by attribute name: (the enclosing function's qualname,
    # "" at module level or in a class body, and the value stored; "other" where it cannot
    # be told: a tuple target, `+=`, a loop target, `setattr(o, "n", v)`, `patch.object`;
    # and the class's qualname when the receiver is `self` in a method of that class, else
    # ""; attributes.store_elsewhere says when such a store cannot land on an instance).
    attribute_stores: dict[str, list[tuple[str, Value, str]]] = field(default_factory=dict)
    # The module stores into attributes whose name is computed (`setattr(o, name, v)`,
    # `o.__dict__.update(...)`): any attribute may hold anything.
    computed_attribute_stores: bool = False
    # Each such store's receiver: ("self", class qualname) for `setattr(self, name, v)` in
    # a method, ("name", qualified or written name) for a module-level or global name,
    # ("other", source text) for anything else.
    computed_store_receivers: list[tuple[str, str]] = field(default_factory=list)
    # Classes a test double is specified from (`Mock(spec=Store)`, `create_autospec(Store)`):
    # the written (or qualified) class name -> where. Every method of such a class may return
    # whatever the double is told to.
    doubled_classes: dict[str, Span] = field(default_factory=dict)
    # `defer.succeed(Failure(e))` calls, and `succeed(x)` of stored values.
    failure_successes: list[FailureSuccess] = field(default_factory=list)
    # The module builds Failure values as data (`answers.append(Failure(e))`), not only to
    # fail a Deferred with at once (`fail(Failure(e))`, `d.errback(Failure(e))`).
    failure_values: bool = False
    # Constant prefixes of names looked up dynamically: `getattr(self, "render_" + name)`.
    dynamic_prefixes: dict[str, Span] = field(default_factory=dict)
    # Calls of a method looked up by a wholly computed name: `getattr(obj, name)(...)`, or a
    # local bound to such a lookup and called. The callee is any method (of `self`'s class
    # hierarchy where the receiver is `self`); `callee.receiver` says which.
    dynamic_calls: list[CallSite] = field(default_factory=list)
    # Module-level aliases of `typing.Generator` the module defines, by name.
    generator_aliases: dict[str, GeneratorAlias] = field(default_factory=dict)
    # What `from <this module> import *` binds: the names its `__all__` lists, where every
    # module-level binding of `__all__` is a literal of strings (`=`, `+=`, `.extend`,
    # `.append`; all branches together); EXPORTS_ANY where `__all__` is made some other way
    # (any name may be exported); None without `__all__` (its public names).
    exports: tuple[str, ...] | None = None
    error: str | None = None  # set when the file could not be read or parsed

    def function(self, qualname: str) -> FunctionFact | None:
        for fn in self.functions:
            if fn.qualname == qualname:
                return fn
        return None


# `ModuleFacts.exports` of a module whose `__all__` is computed: it may export any name.
EXPORTS_ANY: tuple[str, ...] = ("*",)


def star_exports(facts: ModuleFacts, name: str) -> bool:
    """Whether `from <facts' module> import *` binds `name`, if the module has it: the
    names `__all__` lists, else its public names (any name where `__all__` is computed)."""
    if facts.exports is None:
        return not name.startswith("_")
    return facts.exports == EXPORTS_ANY or name in facts.exports


def child_qualname(parent_kind: str, parent_qualname: str, name: str) -> str:
    """Python's `__qualname__` of `name` defined in a scope: the name itself at module level,
    `Class.name` in a class body, `outer.<locals>.name` in a function. The facts and the
    rewrite both name functions this way, so their keys meet."""
    if parent_kind == "module":
        return name
    if parent_kind == "class":
        return f"{parent_qualname}.{name}"
    return f"{parent_qualname}.<locals>.{name}"
