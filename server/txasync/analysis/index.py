"""The workspace index: every function by qualified name, and every call site that reaches it.

Converting `Store.get` changes what every caller receives, in whatever module it sits, so
decisions are made over the whole workspace. Resolution is static (imports, `self`/`cls`,
`super()`, attributes typed in `__init__`, class hierarchies across modules, and library
classes read from their source on `sys.path` without importing them). A call that cannot be
resolved but carries a matching name is kept as a *possible* caller, never dropped.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from ..errors import FileInternalError, reraise_interrupt
from .model import (
    CallSite,
    ClassFact,
    FailureSuccess,
    FunctionFact,
    ModuleFacts,
    Ref,
    Span,
    Value,
    star_exports,
)
from .names import ImportTable, build_import_table
from .reexports import names_read_elsewhere

if TYPE_CHECKING:
    from .jedi_oracle import JediOracle

_DEFERRED = "twisted.internet.defer.Deferred"
_CONTAINER_FACTORIES = frozenset({
    "collections.OrderedDict", "collections.defaultdict", "collections.deque",
    "collections.Counter", "builtins.dict", "builtins.list", "builtins.set"})
_PROPERTY_DECORATORS = frozenset({"property", "cached_property", "reify"})
# Modules of builtin-like container types (`typing.Dict`): no method of theirs returns a
# Deferred, so what their annotation says needs no store to agree.
_CONTAINER_MODULES = frozenset({"typing", "typing_extensions", "collections", "builtins"})
_BUILTIN_TYPES = frozenset({"dict", "list", "set", "tuple", "str", "bytes", "int", "float",
                            "frozenset", "bytearray", "object", "bool"})


def _constructor_name(owner: str) -> str | None:
    """`Sender(a, b)` -> `Sender` when the text is one call of a dotted name."""
    if not owner.endswith(")") or "(" not in owner:
        return None
    name = owner[:owner.index("(")]
    if not name or not all(p.isidentifier() for p in name.split(".")):
        return None
    depth = 0
    for i, ch in enumerate(owner[len(name):], start=len(name)):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i != len(owner) - 1:
            return None
    return name


def _last_name(ref: Ref) -> str:
    """The function name a reference can reach (`h` imported `as` alias of `helper`)."""
    return ref.qualified.rsplit(".", 1)[-1] if ref.qualified else ref.name


_FAKE_PREFIXES = ("Fake", "Dummy", "Stub", "Mock")


def is_test_module(facts: ModuleFacts) -> bool:
    """A module of the project's tests (where its fakes live)."""
    parts = facts.module.split(".")
    base = os.path.basename(facts.path)
    return (any(p in ("test", "tests", "testing") for p in parts) or base.startswith("test_")
            or base.endswith("_test.py") or base in ("conftest.py", "fakes.py", "mocks.py"))


def is_fake(facts: ModuleFacts, class_qualname: str) -> bool:
    """A test double: code in the tests, or a class named Fake*/Dummy*/Stub*/Mock*."""
    return is_test_module(facts) or class_qualname.rsplit(".", 1)[-1].startswith(
        _FAKE_PREFIXES)


def may_succeed_with_failure(ws: Workspace, facts: ModuleFacts, found: FailureSuccess) -> bool:
    """`succeed(Failure(e))`, or a test double's `succeed(x)` of a stored value while the
    project builds Failure values as data (its tests store them as answers): a Deferred that
    may *succeed* with a Failure. Read by the failure-in-succeed rule, which respells it, and
    by the pass-through rule, for which `return x` would hand the Failure out as a value."""
    return found.arg is None or (ws.failure_values and is_fake(facts, found.owner))


def function_key(module: str, qualname: str) -> str:
    """`module:qualname`, one string object per key: the index's tables, caller lists and
    memos hold the same key many times over, and an edit that makes the tables again
    (`Workspace._sharing`) would otherwise hold a second copy of every one while the last
    snapshot is alive."""
    return sys.intern(f"{module}:{qualname}")


def namespace_names(path: str, module: str, is_package: bool, levels: int = 3) -> list[str]:
    """The names other than `module` that the file at `path` may be imported by: `module`
    is dotted from the package folders (`__init__.py`) above the file, but a folder above
    those without one is a namespace package (PEP 420) when its parent is on `sys.path`,
    so `tests/routing/test_router.py` (no `tests/__init__.py`) is `routing.test_router`
    and, to the code that runs from the project's root, `tests.routing.test_router`.
    A caller importing it by that name is still a caller. Up to `levels` folders, while
    their names are identifiers."""
    directory = os.path.dirname(os.path.abspath(path))
    depth = module.count(".") + (1 if is_package else 0)
    for _ in range(depth):
        directory = os.path.dirname(directory)
    names: list[str] = []
    prefix = module
    for _ in range(levels):
        parent, folder = os.path.split(directory)
        if (not folder or not folder.isidentifier() or parent == directory
                or os.path.isfile(os.path.join(directory, "__init__.py"))):
            break
        prefix = f"{folder}.{prefix}"
        names.append(prefix)
        directory = parent
    return names


@dataclass(frozen=True)
class ExternalClass:
    qualified: str
    methods: frozenset[str]
    bases: tuple[str, ...]


# Where library source is read from: the project's interpreter's import path
# (environment.py, set by the engine for each run); None: txasync's own sys.path.
_LIBRARY_PATH: tuple[str, ...] | None = None


def use_library_path(path: tuple[str, ...] | None) -> bool:
    """Read library classes from `path` from now on; True when that changed (the library
    classes read so far are forgotten)."""
    global _LIBRARY_PATH
    if path == _LIBRARY_PATH:
        return False
    _LIBRARY_PATH = path
    _LIBRARY_READS.clear()
    _module_source_path.cache_clear()
    library_failure_subclass.cache_clear()
    _library_module.cache_clear()
    external_class.cache_clear()
    return True


def library_path() -> tuple[str, ...] | None:
    """Where library source is read from now (None: txasync's own sys.path)."""
    return _LIBRARY_PATH


def library_source_path(module: str) -> str | None:
    """The source file of a library module on the library path, or None."""
    return _module_source_path(module)


# Every file and directory whose content decided a library lookup since the library path
# was last set: a library source read, and for each path entry looked in before it (or in
# vain), the nearest directory there that exists (adding a module changes its mtime). The
# check cache (check_cache.py) keys its results on them.
_LIBRARY_READS: dict[str, None] = {}


def library_reads() -> list[str]:
    """The files and directories library lookups depended on, in the order first read."""
    return list(_LIBRARY_READS)


@lru_cache(maxsize=4096)
def _module_source_path(module: str) -> str | None:
    """Where a library module's source lives, found on the library path without importing
    anything."""
    rel = module.replace(".", os.sep)
    for entry in sys.path if _LIBRARY_PATH is None else _LIBRARY_PATH:
        if not entry or not os.path.isdir(entry):
            continue
        for candidate in (os.path.join(entry, rel + ".py"),
                          os.path.join(entry, rel, "__init__.py")):
            if os.path.isfile(candidate):
                _LIBRARY_READS[candidate] = None
                return candidate
        seen = os.path.join(entry, rel)
        while not os.path.isdir(seen) and len(seen) > len(entry):
            seen = os.path.dirname(seen)
        _LIBRARY_READS[seen] = None
    return None


_FAILURE_SUBCLASS = re.compile(r"^\s*class\s+(\w+)\s*\([^)]*\bFailure\b", re.M)


@lru_cache(maxsize=256)
def library_failure_subclass(package: str, path: tuple[str, ...] | None = None) -> str | None:
    """A class of the library package `package` (outside its tests) that subclasses
    `Failure` (`foolscap.call.CopiedFailure`), read from its source text without importing
    it; None when it has none or its source is not found. `path` keys the cache."""
    init = _module_source_path(package)
    if init is None or os.path.basename(init) != "__init__.py":
        return None
    root = os.path.dirname(init)
    for count, (folder, dirs, files) in enumerate(os.walk(root)):
        dirs[:] = sorted(d for d in dirs if d not in ("test", "tests", "testing"))
        if count > 500:
            break
        _LIBRARY_READS[folder] = None  # the check cache keys on what decided this
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            _LIBRARY_READS[os.path.join(folder, name)] = None
            try:
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                    found = _FAILURE_SUBCLASS.search(f.read())
            except OSError:
                continue
            if found:
                rel = os.path.relpath(os.path.join(folder, name[:-3]), os.path.dirname(root))
                return rel.replace(os.sep, ".") + "." + found.group(1)
    return None


def _library_class(qualified: str) -> bool:
    """Whether a library name is a class (calling it makes an instance of it), as far as
    the library's source tells: a builtin container, or a class definition."""
    if qualified.rsplit(".", 1)[-1] in _BUILTIN_TYPES or qualified in _CONTAINER_FACTORIES:
        return True
    return external_class(qualified) is not None


@lru_cache(maxsize=4096)
def external_class(qualified: str, depth: int = 0) -> ExternalClass | None:
    """A library class's own method names and bases, read statically from its source."""
    if depth > 8 or "." not in qualified:
        return None
    module, _, name = qualified.rpartition(".")
    library = _library_module(module)
    if library is None:
        return None
    classes, bindings = library
    if name in classes:
        methods, bases = classes[name]
        return ExternalClass(qualified, methods, bases)
    target = bindings.get(name)
    if target and target != qualified:
        return external_class(target, depth + 1)
    return None


_LibraryModule = tuple[dict[str, tuple[frozenset[str], tuple[str, ...]]], dict[str, str]]


@lru_cache(maxsize=1024)
def _library_module(module: str) -> _LibraryModule | None:
    """A library module's classes (name -> own methods, bases) and import bindings, parsed
    once per module whatever number of its names are asked about."""
    path = _module_source_path(module)
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    table = build_import_table(tree, module, path.endswith("__init__.py"))
    local_classes = {c.name for c in tree.body if isinstance(c, ast.ClassDef)}
    classes: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name not in classes:
            methods = frozenset(
                s.name for s in stmt.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
            bases = tuple(_base_name(table, module, local_classes, b) for b in stmt.bases)
            classes[stmt.name] = (methods, tuple(b for b in bases if b))
    return classes, dict(table.bindings)


def _base_name(table: ImportTable, module: str, local_classes: set[str], base: ast.expr) -> str:
    resolved = table.resolve(base)
    if resolved:
        return resolved
    if isinstance(base, ast.Name):
        return f"{module}.{base.id}" if base.id in local_classes else base.id
    return ""


def _function_signature(fn: FunctionFact) -> tuple[object, ...]:
    """What other modules' call resolution reads of a function: its name and kind, what it
    returns (the values only where no annotation says, and only for a plain function, whose
    result can type a receiver), and whether it is a property."""
    plain = not (fn.is_ic or fn.is_async or fn.yields)
    returned: tuple[object, ...] = ()
    if plain and not fn.returns_annotation:
        names = {v.ref.name for v in fn.returns if v.kind == "name" and v.ref is not None}
        returned = (tuple(fn.returns),
                    tuple((n, tuple(fn.assignments.get(n, ()))) for n in sorted(names)))
    return (fn.qualname, fn.name, fn.is_ic, fn.is_async, bool(fn.yields), fn.class_qualname,
            fn.self_class, fn.returns_annotation, returned,
            any(d.rsplit(".", 1)[-1] in _PROPERTY_DECORATORS for d in fn.decorators))


def definitions_signature(facts: ModuleFacts) -> tuple[object, ...]:
    """Everything about a module that calls in *other* modules resolve through: while it
    stays the same, an edit of the module re-resolves only the module's own call sites.

    Receiver typing reads a module's imports (star imports included), singletons
    (`store = Store()`), aliases of base names, classes and what its plain functions
    return; a function bound twice is `redefined`; a double specified from a class replaces
    that class's methods."""
    return _signature_without(facts, set(), frozenset())


@dataclass
class _FileSites:
    """One file's call sites as the index resolved them: the callers and possible callers
    it contributes, per function key, and each resolution (by the site's identity), which
    the hazard scan and the planner read instead of resolving the site again. The sites
    are held bare (their file is `facts`): a pair per site and key is most of the index's
    memory on a big tree, and only the keys someone asks about need pairs (`_flat`)."""

    facts: ModuleFacts
    # Tuples once the file is indexed: a quarter of a million of these on a big tree.
    callers: dict[str, tuple[CallSite, ...]] = field(default_factory=dict)
    possible: dict[str, tuple[CallSite, ...]] = field(default_factory=dict)
    resolutions: dict[int, Resolution] = field(default_factory=dict)
    # Method calls on a receiver not resolved yet, by the method's name (see
    # `Workspace._ensure_name`): each is resolved the first time its name is asked about.
    pending: dict[str, list[CallSite]] = field(default_factory=dict)
    # id of each of the file's sites -> its place among them (made when first needed).
    places: dict[int, int] | None = None


def _by_name_alone(ref: Ref) -> bool:
    """Whether a call can only reach functions of the name it is written with: a method
    called on a receiver (`x.get()`, `self.get()`, `super().get()`), never a module's
    function. `resolve` finds those through the receiver's class (the methods of that
    name in its hierarchy, a fake's, a library type's workspace subclasses'), or by the
    name alone. A plain name (`get()`, an alias, a local bound to a method) or a module's
    attribute (a re-export, `run_cli = run_cli_native`) may reach a function of another
    name, and is resolved at once."""
    return ref.kind == "attr" and ref.qualified is None and ref.receiver != "module"


# Held while method calls of one name are resolved across a workspace's files (see
# `Workspace._ensure_name`): an editor's pass and a request on an older snapshot share the
# files' parts, and each name's sites must be resolved, and recorded, exactly once.
_PENDING_LOCK = threading.RLock()


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a call site reaches: definite targets, or possible ones by name. Immutable:
    the two answers without targets are shared objects (`_NOTHING`, `_POSSIBLE`), half of
    the hundred thousand resolutions of a big tree."""

    targets: tuple[str, ...] = ()
    possible: bool = False


_NOTHING = Resolution()
_POSSIBLE = Resolution((), possible=True)
_NO_DEFINERS: dict[str, str] = {}  # `_defined_in` of a name no class defines


def _reaching(targets: list[str]) -> Resolution:
    return Resolution(tuple(targets)) if targets else _NOTHING


@dataclass(frozen=True)
class Replacement:
    """Where something replaces a function at run time, and whether `patch()` makes the
    double itself (then an AsyncMock once the function is `async def`)."""

    path: str
    span: Span
    auto: bool = False
    # Only doubles made from a class (`Mock(spec=C)`) replace it: they never run real
    # methods, so a `self.m()` inside one never meets them.
    spec_double: bool = False


_V = TypeVar("_V")

def _keep_first(table: dict[str, Replacement], key: str, found: Replacement) -> None:
    """The first replacement seen stands for the key; what any of them does counts."""
    known = table.get(key)
    if known is None:
        table[key] = found
    elif (found.auto and not known.auto) or (known.spec_double and not found.spec_double):
        table[key] = Replacement(known.path, known.span, known.auto or found.auto,
                                 known.spec_double and found.spec_double)


_NamedReplacements = tuple[dict[str, list[tuple[ModuleFacts, CallSite]]], frozenset[str]]


class Workspace:
    """All module facts of one analysis run, with lookups across them."""

    def __init__(self, modules: Iterable[ModuleFacts]) -> None:
        self.modules: dict[str, ModuleFacts] = {}
        self.by_module: dict[str, ModuleFacts] = {}
        self.functions: dict[str, tuple[ModuleFacts, FunctionFact]] = {}
        self.classes: dict[str, tuple[ModuleFacts, ClassFact]] = {}
        self.methods_by_name: dict[str, list[str]] = {}
        self.top_packages: set[str] = set()
        # Other names a module may be imported by: the directories above its top package
        # that have no `__init__.py` (namespace packages) in front -> the module's name.
        self._namespace: dict[str, str] = {}
        # Function names bound more than once in their module (`if`/`else` alternatives, an
        # import fallback): `functions` holds the first definition, so nothing is certain.
        self.redefined: set[str] = set()
        # Names something replaces at run time on an object txasync cannot type (a test
        # double, a patch): every function of that name counts.
        self.replaced: dict[str, Replacement] = {}
        # Functions and classes a replacement reaches where its target can be pinned down
        # (`self.master.stop = Mock()` with `self.master` a `Master`).
        self.replaced_keys: dict[str, Replacement] = {}
        # The replacement sites behind `replaced_keys` and `replaced`, all of them (what
        # each installs decides what a call may get).
        self.replacing_sites: dict[str, list[tuple[ModuleFacts, CallSite]]] = {}
        self.replacing_by_name: dict[str, list[tuple[ModuleFacts, CallSite]]] = {}
        # Constant prefixes of `getattr(obj, "prefix" + name)` lookups: prefix -> (path, span).
        self.dynamic_prefixes: dict[str, tuple[str, Span]] = {}
        self._implementers: dict[str, list[str]] | None = None
        self._fakes: dict[str, list[str]] | None = None
        for facts in modules:
            self.add(facts)
        self._children: dict[str, set[str]] | None = None
        self.oracle: JediOracle | None = None  # optional second opinion (jedi_oracle.py)
        self._return_types: dict[str, tuple[str, str | None]] = {}
        self._ancestors: dict[str, list[str]] = {}
        # class key -> (is_interface, is_protocol): read from the ancestors, kept with them.
        self._class_kinds: dict[str, tuple[bool, bool]] = {}
        self._splits: dict[str, tuple[str, str] | None] = {}
        self._sites: dict[str, _FileSites] | None = None  # path -> its resolved call sites
        # Names whose pending method calls every file's part has resolved (`_ensure_name`).
        self._built_names: set[str] = set()
        self._callers_at: dict[str, list[str]] = {}  # key -> paths with callers of it
        self._possible_at: dict[str, list[str]] = {}
        self._flat_callers: dict[str, list[tuple[ModuleFacts, CallSite]]] = {}
        self._flat_possible: dict[str, list[tuple[ModuleFacts, CallSite]]] = {}
        self._order: dict[str, int] = {path: n for n, path in enumerate(self.modules)}
        self._roots: dict[str, tuple[ModuleFacts, set[str]]] = {}  # see _imported_roots
        self._declared: set[str] | None = None  # see declared_attribute
        self._agree: dict[tuple[str, tuple[str, str | None]], bool] = {}  # see _stores_agree
        self._by_replaced_name: _NamedReplacements | None = None  # see replacements_named
        # The table of the workspace this one was `updated` from, with the edited file's
        # path and its facts there: patched instead of built (see `_patched_named`).
        self._named_prior: tuple[_NamedReplacements, str, ModuleFacts] | None = None
        self._imported_alternatives: dict[str, str] | None = None  # see import_alternative
        self._read_elsewhere: dict[str, frozenset[str]] | None = None  # see read_elsewhere
        self._doubled: dict[str, list[tuple[str, Replacement]]] = {}
        self._reached: dict[str, list[list[str] | None]] = {}
        self._memo_tables()
        self._add_doubled_classes()
        self._add_replacements()

    def _memo_tables(self) -> None:
        """Lookups memoised for the life of the definitions they read: shared by the
        workspaces `updated` makes while the definitions stay the same (so a keystroke does
        not pay for them again), per file where they also read a file's own facts."""
        # (class key, name) -> subclass_methods; key -> related_methods: definitions only.
        self._subclass_memo: dict[tuple[str, str], list[str]] = {}
        self._definers: dict[str, dict[str, str]] | None = None  # see _defined_in
        self._doubles_memo: dict[tuple[str, str], list[str]] = {}  # see test_doubles_of
        self._related_memo: dict[str, list[str]] = {}
        self._async_keys: list[str] | None = None
        # path -> the keys of that file's inlineCallbacks functions, pass-throughs and
        # chains (a shape is read from the body, so the edited file's is found again).
        self._candidates: dict[str, list[str]] = {}
        # path -> (site id, name) -> what a `getattr(obj, <computed>)(...)` site reaches
        # when the name is `name` (the planner's dynamic callers).
        self._dynamic: dict[str, dict[tuple[int, str], Resolution]] = {}
        # path -> function key -> that file's `getattr` sites that may reach the function
        # (read from `_dynamic`, so kept and dropped with it).
        self._dynamic_found: dict[str, dict[str, list[CallSite]]] = {}
        # function key -> every file's sites from `_dynamic_found`, in workspace order (see
        # `dynamic_callers`).
        self._dynamic_callers: dict[str, list[tuple[ModuleFacts, CallSite]]] = {}
        # The memo of the workspace this one was `updated` from, with the edited file's path
        # and its facts there, when that file makes such calls: each entry is patched.
        self._dynamic_prior: tuple[dict[str, list[tuple[ModuleFacts, CallSite]]], str,
                                   ModuleFacts] | None = None
        # path -> (id of the function, id of the reference) -> (the function, the
        # reference, what a call of it there reaches): the planner's questions about the
        # values a file's functions yield and return (`resolve_in`). Kept while the
        # file's facts are, as its resolved call sites are (see `updated`).
        self._resolved_in: dict[str, dict[tuple[int, int], tuple[object, object,
                                                                  Resolution]]] = {}

    @property
    def failure_values(self) -> bool:
        """Whether the project builds Failure values anywhere (tests storing them)."""
        return any(f.failure_values for f in self.modules.values())

    def add(self, facts: ModuleFacts) -> None:
        self.top_packages.add(facts.module.split(".")[0])
        self.modules[facts.path] = facts
        for name in namespace_names(facts.path, facts.module, facts.is_package):
            self._namespace.setdefault(name, facts.module)
        self.by_module.setdefault(facts.module, facts)
        for fn in facts.functions:
            key = function_key(facts.module, fn.qualname)
            if self.functions.setdefault(key, (facts, fn))[1] is not fn or (
                    fn.qualname in facts.runtime_imports):
                self.redefined.add(key)
            self.methods_by_name.setdefault(fn.name, []).append(key)
        for cls in facts.classes:
            self.classes.setdefault(function_key(facts.module, cls.qualname), (facts, cls))
        for prefix, span in facts.dynamic_prefixes.items():
            self.dynamic_prefixes.setdefault(prefix, (facts.path, span))

    def _add_doubled_classes(self) -> None:
        """A double specified from a workspace class (`Mock(spec=Store)`) answers for every
        method of it and of its bases, wherever a `Store` is expected: every function such
        a call could reach counts as replaced."""
        for facts in self.modules.values():
            self._doubled[facts.path] = self._doubles_of(facts)
        self._merge_doubled()

    def _doubles_of(self, facts: ModuleFacts) -> list[tuple[str, Replacement]]:
        found: list[tuple[str, Replacement]] = []
        for written, span in facts.doubled_classes.items():
            cls_key = self.class_key(facts, written)
            if cls_key is None:
                continue
            for key in [cls_key, *self.ancestors(cls_key)]:
                if key not in self.classes:
                    continue
                for name in self.classes[key][1].methods:
                    if name.startswith("__"):
                        continue
                    for target in self.dispatch_set(cls_key, name, False):
                        found.append((target, Replacement(facts.path, span, auto=True,
                                                          spec_double=True)))
        return found

    def _merge_doubled(self) -> None:
        for path in self.modules:
            for target, where in self._doubled.get(path, ()):
                _keep_first(self.replaced_keys, target, where)

    def _add_replacements(self) -> None:
        """Pin each replacement down to what it reaches. Replacements by qualified name go
        first: a replaced class changes what receivers typed with it may be."""
        self._merge_replacements()
        self._return_types.clear()  # typed while replacements were still being added

    def _merge_replacements(self, known: dict[str, list[list[str] | None]] | None = None
                            ) -> None:
        """Resolve every replacement in order, each against what the ones before it
        replaced; `known`: what each file's replacements reached in a workspace that differs
        only in files absent from it (those are resolved again)."""
        sites = [(facts, site) for facts in self.modules.values() for site in facts.replacements]
        sites.sort(key=lambda pair: pair[1].callee.qualified is None)
        reached_by: dict[str, list[list[str] | None]] = {}
        self.replacing_sites = {}
        self.replacing_by_name = {}
        # Every keystroke in a file that replaces something merges again (Twisted's tree has
        # 12,000 replacement sites): a site that reaches nothing costs no record.
        classes = {_key_name(key) for key in self.classes}
        for facts, site in sites:
            done = reached_by.setdefault(facts.path, [])
            if known is not None and facts.path in known:
                reached = known[facts.path][len(done)]
            elif site.callee.qualified is None and (site.callee.name not in self.methods_by_name
                                                    and site.callee.name not in classes):
                # `self.state = x` where no function or class has the name: what it reaches
                # is nothing or unknown by that name, and entries by a name are only read
                # for a function of that name. Two thirds of Twisted's sites, not resolved.
                reached = []
            else:
                reached = self._replaced_by(facts, site)
            done.append(reached)
            if reached == []:
                continue
            where = Replacement(facts.path, site.span, auto=site.detail == "patched")
            if reached is None:
                _keep_first(self.replaced, site.callee.name, where)
                self.replacing_by_name.setdefault(site.callee.name, []).append((facts, site))
            for key in reached or ():
                _keep_first(self.replaced_keys, key, where)
                self.replacing_sites.setdefault(key, []).append((facts, site))
        self._reached = reached_by

    def _replaced_by(self, facts: ModuleFacts, site: CallSite) -> list[str] | None:
        """The workspace functions (or a class) a replacement reaches; [] for none (a library
        attribute); None when it cannot be told (then every function of the name counts)."""
        ref = site.callee
        if ref.qualified is not None:
            return self._replaced_at(ref.qualified)
        if "." not in ref.text:
            return None  # `patch("name")`, `setattr(..., "name", ...)` of what is not known
        owner = ref.text.rpartition(".")[0]
        cls_key = self.class_key(facts, owner) if owner.isidentifier() else None
        if cls_key is not None and self._local_binding(facts, site, owner) is None:
            # `Store.get = fake` replaces it on the class: for the class, and for the
            # subclasses that inherit it (whose calls reach the same function).
            found = self.lookup_method(cls_key, ref.name)
            return [found] if found is not None else []
        resolution = self.resolve(facts, site)
        if resolution.possible:
            return [] if self._own_attribute_store(facts, site) else None
        if resolution.targets or self.dispatch_class(facts, site, ref) is not None:
            # A receiver of a known workspace class: what its dispatch reaches (nothing when
            # the double adds an attribute the class does not have).
            return list(resolution.targets)
        return None

    def _own_attribute_store(self, facts: ModuleFacts, site: CallSite) -> bool:
        """`self.wait = wait` in a method of a class whose line defines no method `wait`:
        the store lands on an instance of that class or of a subclass, so it can shadow
        only a method one of them has. Every subclass in the workspace defines none, and
        no library or unreadable base may define one: it replaces no function. (A
        subclass out of sight mixing in a `wait` is not something the workspace runs.)"""
        ref = site.callee
        if ref.receiver != "self" or ref.text.count(".") != 1 or not site.enclosing_class:
            return False
        cls_key = function_key(facts.module, site.enclosing_class)
        for key in (cls_key, *self.subclasses(cls_key)):
            if key not in self.classes or self.unresolved_bases(key) or (
                    self.external_definer(key, ref.name) is not None):
                return False
        return not self.dispatch_set(cls_key, ref.name)

    def _replaced_at(self, qualified: str) -> list[str] | None:
        """`patch("pkg.mod.Cls.name")`: the function or class at that path."""
        found = self.function_for_qualified(qualified)
        if found is not None:
            return [found]
        split = self.split_qualified(qualified)
        if split is not None:
            key = function_key(*split)
            if key in self.classes:
                return [key]
            owner, _, name = split[1].rpartition(".")
            if owner and function_key(split[0], owner) in self.classes:
                method = self.lookup_method(function_key(split[0], owner), name)
                return [method] if method is not None else []
            return None
        if qualified.split(".")[0] not in self.top_packages:
            return []  # a library's attribute: no workspace function is it
        return None

    def replacing(self, key: str) -> list[tuple[ModuleFacts, CallSite]]:
        """Every replacement site that reaches function `key`: by what it reaches, or by
        name where that cannot be told. Doubles made from a class (`Mock(spec=C)`,
        `doubled_keys`) have no site here."""
        sites = list(self.replacing_sites.get(key, ()))
        entry = self.functions.get(key)
        if entry is not None:
            sites += self.replacing_by_name.get(entry[1].name, ())
        return sites

    def doubled_keys(self) -> set[str]:
        """Every function a double made from a class (`Mock(spec=C)`) answers for."""
        return {target for found in self._doubled.values() for target, _ in found}

    def replacement(self, key: str) -> Replacement | None:
        """Where something replaces function (or class) `key` at run time, if anywhere."""
        found = self.replaced_keys.get(key)
        if found is not None:
            return found
        entry = self.functions.get(key) or self.classes.get(key)
        return self.replaced.get(entry[1].name) if entry is not None else None

    # -- names ---------------------------------------------------------------------------
    def split_qualified(self, qualified: str) -> tuple[str, str] | None:
        """`pkg.mod.Cls.meth` -> (`pkg.mod`, `Cls.meth`) for a module in the workspace."""
        if qualified in self._splits:
            return self._splits[qualified]
        result = self._split(qualified)
        self._splits[qualified] = result
        return result

    def _split(self, qualified: str) -> tuple[str, str] | None:
        parts = qualified.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:i])
            if module in self.by_module:
                return module, ".".join(parts[i:])
            real = self._namespace.get(module)
            if real is not None and real in self.by_module:
                return real, ".".join(parts[i:])
        return None

    def import_alternative(self, key: str) -> str | None:
        """The module that imports function `key` under a name it binds to something else
        too (`try: from ._fast import f` / `except ImportError: from ._pure import f`), if
        any: what that module does with the name (hands it over, calls it) may reach either
        function, and its uses are resolved to one of them only, so neither is certain.
        Found from the modules of this workspace when first asked (an edit makes a new
        workspace)."""
        found = self._imported_alternatives
        if found is None:
            found = {}
            for facts in self.modules.values():
                for targets in facts.import_alternatives.values():
                    for target in targets:
                        hit = self.function_for_qualified(target)
                        if hit is not None:
                            found.setdefault(hit, facts.module)
            self._imported_alternatives = found
        return found.get(key)

    def read_elsewhere(self, module: str) -> frozenset[str]:
        """The names `module` imports that other workspace modules read from it
        (`reexports.STAR` where one star-imports it): a rewrite keeps those imports. Found
        when first asked (an edit makes a new workspace)."""
        if self._read_elsewhere is None:
            self._read_elsewhere = names_read_elsewhere(self)
        return self._read_elsewhere.get(module, frozenset())

    def uncertain_binding(self, key: str) -> bool:
        """Whether a name that reaches function `key` may reach another definition at run
        time (`redefined` in its module, or imported as an alternative elsewhere)."""
        return key in self.redefined or self.import_alternative(key) is not None

    def function_for_qualified(self, qualified: str, depth: int = 0) -> str | None:
        """The workspace function a qualified name reaches, through package re-exports
        (`from pkg import fetch` where `pkg/__init__.py` imports it from `pkg._impl`)."""
        split = self.split_qualified(qualified)
        if split is None or depth > 8:
            return None
        key = function_key(*split)
        if key in self.functions:
            return key
        head, _, rest = split[1].partition(".")
        facts = self.by_module[split[0]]
        target = facts.imports.get(head)
        if target and target != qualified:
            return self.function_for_qualified(target + ("." + rest if rest else ""), depth + 1)
        alias = self._function_alias(facts, head)
        if alias is not None and not rest:
            return self.function_for_qualified(alias, depth + 1)
        star = self.star_binding(facts, head) if alias is None else None
        if star is not None:
            return self.function_for_qualified(star + ("." + rest if rest else ""), depth + 1)
        return None

    def star_binding(self, facts: ModuleFacts, name: str, depth: int = 0) -> str | None:
        """The qualified name that `name`, bound nowhere in `facts`' module, stands for
        through its `from M import *` lines: `M.name` for the last workspace module M (as
        at run time, a later star import rebinds the name) that binds `name` itself or
        star-imports it in turn. Without this, a caller that reaches a function through
        `from pkg.mod import *` is no caller at all, and converting the function leaves
        the caller a coroutine where it had a Deferred. A module exports what its
        `__all__` lists, else its public names (`model.star_exports`): a star import of a
        module whose `__all__` leaves the name out binds nothing, and an earlier one (or
        a builtin) is what runs."""
        if (not facts.star_imports or depth > 8
                or name in facts.imports or name in facts.module_bindings):
            return None
        for star in reversed(facts.star_imports):
            split = self.split_qualified(f"{star}.{name}")
            if split is None or "." in split[1]:
                continue
            owner = self.by_module[split[0]]
            if not star_exports(owner, name):
                continue
            if (name in owner.imports or name in owner.module_bindings
                    or function_key(owner.module, name) in self.functions):
                return f"{owner.module}.{name}"
            inner = self.star_binding(owner, name, depth + 1)
            if inner is not None:
                return inner
        return None

    @staticmethod
    def _function_alias(facts: ModuleFacts, name: str) -> str | None:
        """`run_cli = run_cli_native` at module level, the only binding of `run_cli` (not
        also a def, a class, a constructor's result, rebound through `global`): the
        qualified name it stands for."""
        aliases = facts.name_aliases.get(name)
        if (not aliases or len(aliases) != 1 or facts.module_bindings.get(name) != 1
                or name in facts.rebound_globals):
            return None
        alias = aliases[0]
        if "." not in alias:
            if not alias.isidentifier() or alias == name:
                return None
            return f"{facts.module}.{alias}"
        return alias

    def subclasses(self, class_key: str) -> list[str]:
        """Workspace classes below `class_key` (any depth), in a fixed order."""
        if self._children is None:
            children: dict[str, set[str]] = defaultdict(set)
            for key in self.classes:
                for ancestor in self.ancestors(key):
                    children[ancestor].add(key)
            self._children = children
        return sorted(self._children.get(class_key, ()))

    def _defined_in(self, name: str) -> dict[str, str]:
        """Workspace class key -> the key of its own method `name`, for every class that
        defines one (made once for all names, and kept with `_subclass_memo`: both read
        the definitions alone). Where a subclass search once asked each class in turn, on
        Twisted's tree a million questions, it looks here."""
        if self._definers is None:
            table: dict[str, dict[str, str]] = {}
            for class_key, (cfacts, cls) in self.classes.items():
                for method in cls.methods:
                    table.setdefault(method, {}).setdefault(
                        class_key, function_key(cfacts.module, f"{cls.qualname}.{method}"))
            self._definers = table
        return self._definers.get(name, _NO_DEFINERS)

    def subclass_methods(self, class_key: str, name: str) -> list[str]:
        """Every method named `name` that `self.name()` in `class_key` may reach through a
        subclass: overrides in subclasses and methods of the subclasses' other bases (a
        mixin calling a method its sibling base defines)."""
        memo = self._subclass_memo.get((class_key, name))
        if memo is None:
            memo = self._subclass_memo[(class_key, name)] = self._subclass_methods(
                class_key, name)
        return list(memo)

    def _subclass_methods(self, class_key: str, name: str) -> list[str]:
        found: list[str] = []
        defined = self._defined_in(name)
        if not defined:
            return found
        for sub in self.subclasses(class_key):
            for key in [sub, *self.ancestors(sub)]:
                method = defined.get(key) if key != class_key else None
                if method is not None and method not in found:
                    found.append(method)
        return found

    def test_doubles_of(self, name: str, cls_key: str) -> list[str]:
        """Methods named `name` of duck-typed fakes (classes in test modules, or named
        Fake*/Dummy*/Stub*/Mock*) outside `cls_key`'s hierarchy (definitions only: kept
        with `_subclass_memo`)."""
        memo = self._doubles_memo.get((cls_key, name))
        if memo is None:
            memo = self._doubles_memo[(cls_key, name)] = self._test_doubles_of(name, cls_key)
        return list(memo)

    def _test_doubles_of(self, name: str, cls_key: str) -> list[str]:
        if self._fakes is None:
            fakes: dict[str, list[str]] = defaultdict(list)
            for cfacts, cls in self.classes.values():
                if not is_fake(cfacts, cls.qualname):
                    continue
                for method in cls.methods:
                    fakes[method].append(function_key(cfacts.module, f"{cls.qualname}.{method}"))
            self._fakes = fakes
        related = {cls_key, *self.ancestors(cls_key)}
        found = []
        for method in self._fakes.get(name, []):
            owner = method.rsplit(".", 1)[0]
            if owner in related or cls_key in self.ancestors(owner):
                continue  # the hierarchy's own methods are in the dispatch set already
            found.append(method)
        return found

    def is_interface(self, class_key: str) -> bool:
        """A zope.interface `Interface`: calling it adapts, its methods are declarations."""
        return self._class_kind(class_key)[0]

    def is_protocol(self, class_key: str) -> bool:
        """A `typing.Protocol`: its instances are whatever has the methods."""
        return self._class_kind(class_key)[1]

    def _class_kind(self, class_key: str) -> tuple[bool, bool]:
        """(is_interface, is_protocol), asked of every class a call dispatches on."""
        found = self._class_kinds.get(class_key)
        if found is None:
            above = self.ancestors(class_key)
            found = self._class_kinds[class_key] = (
                any(a.startswith("zope.interface") and a.endswith("Interface") for a in above),
                any(a.rsplit(".", 1)[-1] == "Protocol" and a.split(".")[0] in (
                    "typing", "typing_extensions") for a in above))
        return found

    def implementers(self, iface_key: str) -> list[str]:
        """Workspace classes declared `@implementer(iface)`."""
        if self._implementers is None:
            found: dict[str, list[str]] = defaultdict(list)
            for key, (cfacts, cls) in self.classes.items():
                for written in cls.implements:
                    # a library interface by its qualified name
                    found[self.class_key(cfacts, written) or written].append(key)
            self._implementers = found
        return self._implementers.get(iface_key, [])

    def dispatch_set(self, cls_key: str, name: str, exact: bool = False) -> list[str]:
        """Every workspace method a call of `name` on an instance of `cls_key` may run: the
        one it finds, plus overrides in subclasses (unless the instance is known to be
        exactly `cls_key`, a constructor call), plus, for an interface, its implementers'."""
        found: list[str] = []
        first = self.lookup_method(cls_key, name)
        if first is not None:
            found.append(first)
        if not exact:
            found.extend(m for m in self.subclass_methods(cls_key, name) if m not in found)
        if self.is_protocol(cls_key):
            # Structural typing: any class with the method may be the receiver.
            for method in self.methods_by_name.get(name, []):
                if self.functions[method][1].class_qualname and method not in found:
                    found.append(method)
        if self.is_interface(cls_key):
            for impl in self.implementers(cls_key):
                for method in self.dispatch_set(impl, name):
                    if method not in found:
                        found.append(method)
        return found

    def class_key(self, facts: ModuleFacts, written: str, depth: int = 0) -> str | None:
        """The workspace class a base or constructor name refers to, from a module."""
        if not written or depth > 16:  # a re-export cycle (`a` imports from `b` and back)
            return None
        local = function_key(facts.module, written)
        if local in self.classes:
            return local
        split = self.split_qualified(written)
        if split is not None:
            key = function_key(*split)
            if key in self.classes:
                return key
            # re-exported through a package `__init__`
            target = self.by_module[split[0]].imports.get(split[1].split(".")[0])
            if target and target != written:
                rest = split[1].split(".", 1)
                return self.class_key(facts, target + ("." + rest[1] if len(rest) > 1 else ""),
                                      depth + 1)
            return None
        head, dot, tail = written.partition(".")
        star = self.star_binding(facts, head)  # a name a star import brings
        return self.class_key(facts, star + dot + tail, depth + 1) if star is not None else None

    def ancestors(self, key: str) -> list[str]:
        """Workspace class keys and external qualified names above a class, nearest first."""
        cached = self._ancestors.get(key)
        if cached is None:
            cached = self._ancestors[key] = self._compute_ancestors(key)
        return cached

    def _compute_ancestors(self, key: str) -> list[str]:
        seen: list[str] = []
        queue = [key]
        while queue:
            current = queue.pop(0)
            if current in self.classes:
                facts, cls = self.classes[current]
                bases = [self.class_key(facts, a) or a
                         for b in cls.bases for a in self._alternatives(facts, b)]
            else:
                ext = external_class(current)
                bases = list(ext.bases) if ext is not None else []
                if ext is not None and ext.qualified != current:
                    seen.append(ext.qualified)
            for base in bases:
                if base not in seen and base != current:
                    seen.append(base)
                    queue.append(base)
        return seen

    def _alternatives(self, facts: ModuleFacts, base: str) -> list[str]:
        """What a base name may be: itself, or every name a module-level alias of it is
        bound to (`_Base = unittest.TestCase` / `_Base = object` under an `if`)."""
        if self.class_key(facts, base) is not None:
            return [base]
        owner, name = facts, base
        split = self.split_qualified(base) if "." in base else None
        if split is not None and "." not in split[1]:
            owner, name = self.by_module[split[0]], split[1]
        aliases = owner.name_aliases.get(name)
        if not aliases:
            return [base]
        return [a for a in aliases if a != base] or [base]

    def canonical(self, name: str) -> str:
        ext = external_class(name) if ":" not in name else None
        return ext.qualified if ext is not None else name

    def lookup_method(self, class_key: str, name: str, skip_self: bool = False) -> str | None:
        defined = self._defined_in(name)
        if not defined:
            return None
        if not skip_self and class_key in defined:
            return defined[class_key]
        for key in self.ancestors(class_key):
            if key in defined:
                return defined[key]
        return None

    def external_definer(self, class_key: str, name: str) -> str | None:
        """The library class above `class_key` that defines method `name`, if any."""
        for key in self.ancestors(class_key):
            if key in self.classes:
                continue
            ext = external_class(key)
            if ext is not None and name in ext.methods:
                return ext.qualified
        return None

    def unresolved_bases(self, class_key: str) -> list[str]:
        from .twisted_api import SAFE_BASES

        missing = []
        for key in self.ancestors(class_key):
            if key in self.classes or key in SAFE_BASES:
                continue
            if external_class(key) is None:
                missing.append(key)
        return missing

    def related_methods(self, key: str) -> list[str]:
        """Same-name methods up and down the class hierarchy: dynamic dispatch may reach any."""
        memo = self._related_memo.get(key)
        if memo is None:
            memo = self._related_memo[key] = self._related_methods(key)
        return list(memo)

    def async_keys(self) -> list[str]:
        """The keys of every `async def` of the workspace, in index order."""
        if self._async_keys is None:
            self._async_keys = [k for k, (_, fn) in self.functions.items() if fn.is_async]
        return self._async_keys

    def candidates(self) -> set[str]:
        """The functions a run may decide about: inlineCallbacks functions, and functions
        shaped like a pass-through or a callback chain."""
        found: set[str] = set()
        for _, keys in self.candidates_by_file():
            found.update(keys)
        return found

    def candidates_by_file(self) -> Iterator[tuple[ModuleFacts, list[str]]]:
        """`candidates`, file by file. A file's list is the same object for as long as it
        holds (workspaces `updated` makes share it), so a caller may memoise what it
        derives from one file's list by the list's identity and the facts'."""
        for path, facts in self.modules.items():
            keys = self._candidates.get(path)
            if keys is None:
                keys = self._candidates[path] = [
                    key for fn in facts.functions if fn.is_ic or fn.shape is not None
                    if self.functions[key := function_key(facts.module, fn.qualname)][1] is fn]
            yield facts, keys

    def dynamic_resolution(self, facts: ModuleFacts, site: CallSite, name: str) -> Resolution:
        """What `getattr(obj, <computed>)(...)` at `site` reaches when the name is `name`."""
        memo = self._dynamic.setdefault(facts.path, {})
        found = memo.get((id(site), name))
        if found is None:
            ref = site.callee
            as_named = replace(site, callee=replace(
                ref, name=name, text=ref.text[:-1] + name,
                qualified=ref.qualified[:-1] + name if ref.qualified else None))
            found = memo[(id(site), name)] = self.resolve(facts, as_named)
        return found

    def dynamic_sites_reaching(self, facts: ModuleFacts, key: str) -> list[CallSite]:
        """The `getattr(obj, <computed>)(...)` sites of one file that may find the function
        `key` (what it reaches when the name is the function's, or may be anything)."""
        memo = self._dynamic_found.setdefault(facts.path, {})
        found = memo.get(key)
        if found is None:
            name = self.functions[key][1].name
            found = memo[key] = []
            for site in facts.dynamic_calls:
                if name.startswith(site.name_prefix) and (
                        not site.name_choices or name in site.name_choices):
                    res = self.dynamic_resolution(facts, site, name)
                    if key in res.targets or res.possible:
                        found.append(site)
        return found

    def dynamic_callers(self, key: str) -> list[tuple[ModuleFacts, CallSite]]:
        """Every file's `getattr(obj, <computed>)(...)` sites that may find the function
        `key` (`dynamic_sites_reaching`), files in workspace order. Kept by `updated` while
        the edited file makes no such call before or after the edit: the planner asks
        about every method of every hierarchy it decides, and asking each file again was a
        tenth of a keystroke's planning."""
        found = self._dynamic_callers.get(key)
        if found is None and self._dynamic_prior is not None:
            prior, path, old = self._dynamic_prior
            before = prior.get(key)
            if before is not None:  # every other file's part is what it was
                facts = self.modules[path]
                found = self._dynamic_callers[key] = _in_order(
                    [pair for pair in before if pair[0] is not old],
                    [(facts, site) for site in self.dynamic_sites_reaching(facts, key)],
                    self._order)
        if found is None:
            found = self._dynamic_callers[key] = [
                (facts, site) for facts in self.modules.values() if facts.dynamic_calls
                for site in self.dynamic_sites_reaching(facts, key)]
        return found

    def _related_methods(self, key: str) -> list[str]:
        facts, fn = self.functions[key]
        if not fn.class_qualname:
            return []
        own_class = function_key(facts.module, fn.class_qualname)
        related = []
        for other in self.methods_by_name.get(fn.name, []):
            if other == key:
                continue
            ofacts, ofn = self.functions[other]
            if not ofn.class_qualname:
                continue
            other_class = function_key(ofacts.module, ofn.class_qualname)
            if own_class in self.ancestors(other_class) or other_class in self.ancestors(
                own_class
            ):
                related.append(other)
        return related

    # -- call sites ----------------------------------------------------------------------
    def resolve(self, facts: ModuleFacts, site: CallSite) -> Resolution:
        """Every workspace function a call site may run (dynamic dispatch included), or
        `possible` when the receiver is unknown and a method of that name exists."""
        ref = site.callee
        dispatch = self.dispatch_class(facts, site, ref)
        if dispatch is not None:
            cls_key, exact = dispatch
            targets = self.dispatch_set(cls_key, ref.name, exact)
            own = ref.text.count(".") == 1 and ref.text.split(".", 1)[0] in ("self", "cls")
            if targets and not exact and not own:
                # A receiver known only by its declared type may be a test's duck-typed
                # fake at run time (`FakeStore` passed where `store: Store` is declared).
                targets += [m for m in self.test_doubles_of(ref.name, cls_key)
                            if m not in targets]
            if targets:
                return Resolution(tuple(targets))
            if ref.receiver in ("self", "cls") and (
                    self.external_definer(cls_key, ref.name) is None
                    and ref.name in self.methods_by_name):
                # Not in the class, its bases or its subclasses: it comes from a base
                # txasync cannot find, or from whatever the class is mixed into.
                return _POSSIBLE
            return _NOTHING
        if ref.receiver == "super" and site.enclosing_class:
            return self._resolve_super(function_key(facts.module, site.enclosing_class),
                                       ref.name)
        target = self._resolve_ref(facts, site, ref)
        if target is not None:
            return Resolution((target,))
        external = self._external_receiver(facts, site)
        if external is not None:
            # A library type: only workspace classes deriving from it (or implementing it)
            # can be the receiver, where their methods are.
            return _reaching(self._workspace_below(external, ref.name))
        if (self.oracle is not None and ref.kind == "attr" and ref.receiver == "other"
                and not ref.qualified and ref.name in self.methods_by_name):
            typed = self.oracle.receiver_type(facts.path, site)
            split = self.split_qualified(typed) if typed else None
            if split is not None and function_key(*split) in self.classes:
                # jedi's type is the declared one at best: an instance of a subclass, or a
                # test's duck-typed fake, may be there at run time, as for an annotation.
                cls_key = function_key(*split)
                targets = self.dispatch_set(cls_key, ref.name, False)
                targets += [m for m in self.test_doubles_of(ref.name, cls_key)
                            if m not in targets]
                if targets:
                    return Resolution(tuple(targets))
        if (ref.receiver in ("other", "") and ref.kind == "attr"
                and ref.name in self.methods_by_name):
            return _POSSIBLE
        return _NOTHING

    def resolve_in(self, facts: ModuleFacts, fn: FunctionFact | None, site: CallSite
                   ) -> Resolution:
        """`resolve` of a call written in `fn`'s body (None: at module level) whose site
        is made from `fn` and the reference alone, remembered per file: every pass asks it
        again of every function's yields, and while the file's facts and the definitions
        stay, the answer does (the premise on which `updated` shares the file's resolved
        call sites). The function and reference are held with the answer, so the ids
        keying it are never another object's."""
        if self.oracle is not None:  # jedi reads every text: nothing stays put
            return self.resolve(facts, site)
        memo = self._resolved_in.setdefault(facts.path, {})
        key = (id(fn), id(site.callee))
        hit = memo.get(key)
        if hit is not None and hit[0] is fn and hit[1] is site.callee:
            return hit[2]
        found = self.resolve(facts, site)
        memo[key] = (fn, site.callee, found)
        return found

    def dispatch_class(self, facts: ModuleFacts, site: CallSite, ref: Ref
                        ) -> tuple[str, bool] | None:
        """The class whose instance receives `x.name()` (self, cls, a typed receiver), and
        whether the instance is exactly of that class (`Sender(...).go()`)."""
        if ref.kind != "attr" or ref.qualified:
            return None
        if ref.receiver in ("self", "cls") and site.enclosing_class:
            if ref.text.count(".") == 1:
                return function_key(facts.module, site.enclosing_class), False
        if ref.receiver not in ("other", "self", "cls"):
            return None
        owner = ref.text.rpartition(".")[0]
        kind, cls_key = self.receiver_class(facts, site, owner)
        if kind == "workspace" and cls_key is not None:
            # `Sender(...).go()` is exactly a `Sender`; `Base.stop(self)` looks `stop` up
            # on the class object itself, so no subclass's override can answer either.
            exact = (_constructor_name(owner) is not None
                     or self._class_object(facts, site, owner) == cls_key)
            return cls_key, exact and not self.is_interface(cls_key)
        return None

    def through_class(self, facts: ModuleFacts, site: CallSite) -> bool:
        """Whether the site's callee is looked up on a workspace class object, not on an
        instance: `Base.stop(self)`, `base.Base.stop(self)`, `callLater(0, Base.stop, x)`.
        Such a call reaches what that class's own lookup finds (`resolve`), never an
        override in a subclass, whatever the instance handed to it is."""
        ref = site.callee
        if ref.kind != "attr":
            return False
        if facts.module_bindings.get(ref.text.split(".", 1)[0], 1) > 1:
            return False  # alternative imports (`try:`/`except ImportError:`), rebinding
        if ref.receiver == "module" and ref.qualified is not None:
            split = self.split_qualified(ref.qualified)
            if split is None:
                return False
            owner = split[1].rpartition(".")[0]
            return bool(owner) and function_key(split[0], owner) in self.classes
        if ref.receiver != "other" or ref.qualified is not None:
            return False
        owner = ref.text.rpartition(".")[0]
        kind, cls_key = self.receiver_class(facts, site, owner)
        return (kind == "workspace" and cls_key is not None
                and self._class_object(facts, site, owner) == cls_key)

    def _class_object(self, facts: ModuleFacts, site: CallSite, owner: str) -> str | None:
        """The workspace class a bare name stands for at the site, as the class object
        itself (`Base` in `Base.stop(self)`): the module's class of that name, unless the
        site's function binds the name (a parameter, an assignment, a narrowing) or the
        module binds it more than once (`Base = wrap(Base)`, alternative imports)."""
        if not owner.isidentifier() or owner in ("self", "cls"):
            return None
        if (facts.module_bindings.get(owner, 1) > 1
                or self._bound_at(facts, site, owner) is not None):
            return None
        return self.class_key(facts, owner)

    def _resolve_super(self, cls_key: str, name: str) -> Resolution:
        """`super().m()` in `cls_key`: the next `m` in the MRO of the instance's class, which
        for a mixin is a sibling base of some subclass (`class Job(RunMixin, Steps)`), not
        only a base of its own."""
        first = self.lookup_method(cls_key, name, skip_self=True)
        own_line = {cls_key, *self.ancestors(cls_key)}
        found = [first] if first is not None else []
        for method in self.subclass_methods(cls_key, name):
            owner = method.rpartition(".")[0]  # a sibling base: not above, not below
            if owner not in own_line and cls_key not in self.ancestors(owner) and (
                    method not in found):
                found.append(method)
        if found:
            return Resolution(tuple(found))
        if self.external_definer(cls_key, name) is None and name in self.methods_by_name:
            return _POSSIBLE
        return _NOTHING

    @staticmethod
    def _scopes_out(scope: str) -> Iterable[str]:
        """A function's qualified name, then those of the functions around it (a closure's
        outer scopes), innermost first; nothing at module level. A lambda (`f.<lambda>`)
        sees the names of the function it is written in (the facts leave out calls of its
        own parameters)."""
        while scope.endswith(".<lambda>"):
            scope = scope[:-len(".<lambda>")]
        while scope:
            yield scope
            if ".<locals>." not in scope:
                break
            scope = scope.rsplit(".<locals>.", 1)[0]

    def _local_binding(self, facts: ModuleFacts, site: CallSite, name: str
                       ) -> str | None:
        """How `name` is bound in the scopes around a site: the key of a nested def, "" for
        a local variable or parameter (not a function of the module), None: not locally."""
        for scope in self._scopes_out(site.enclosing):
            key = function_key(facts.module, f"{scope}.<locals>.{name}")
            if key in self.functions:
                return key
            enclosing = self.functions.get(function_key(facts.module, scope))
            if enclosing is not None and enclosing[1].binds_locally(name):
                return ""
        return None

    def _resolve_ref(self, facts: ModuleFacts, site: CallSite, ref: Ref) -> str | None:
        if ref.kind == "name":
            local = self._local_binding(facts, site, ref.name) if site.enclosing else None
            if local is not None:
                return local or None
            if ref.qualified is not None:
                return self.function_for_qualified(ref.qualified)
            key = function_key(facts.module, ref.name)
            if key in self.functions:
                return key
            alias = self._function_alias(facts, ref.name)
            if alias is None:
                alias = self.star_binding(facts, ref.name)
            return self.function_for_qualified(alias) if alias is not None else None
        if ref.receiver in ("self", "cls") and site.enclosing_class:
            return self.lookup_method(function_key(facts.module, site.enclosing_class), ref.name)
        if ref.receiver == "super" and site.enclosing_class:
            return self.lookup_method(
                function_key(facts.module, site.enclosing_class), ref.name, skip_self=True
            )
        if ref.receiver == "module" and ref.qualified is not None:
            found = self.function_for_qualified(ref.qualified)
            if found is not None:
                return found
            split = self.split_qualified(ref.qualified)
            if split is not None:
                # `Store.get(self)` through the class, or an attribute of an imported class
                owner, _, name = split[1].rpartition(".")
                if owner:
                    cls = function_key(split[0], owner)
                    if cls in self.classes:
                        return self.lookup_method(cls, name)
            return None
        if ref.kind == "attr" and ref.receiver in ("other", "self", "cls") and not ref.qualified:
            owner, _, name = ref.text.rpartition(".")
            kind, cls_key = self.receiver_class(facts, site, owner)
            if kind == "workspace" and cls_key is not None:
                return self.lookup_method(cls_key, name)
        return None

    # -- receivers -----------------------------------------------------------------------
    def receiver_class(self, facts: ModuleFacts, site: CallSite, owner: str
                       ) -> tuple[str, str | None]:
        """What `owner` in `owner.method()` is: ("workspace", class key), ("external", None)
        for a type from outside the workspace (a dict, a library object), or ("unknown", None).

        Follows `self.a.b` through attribute types set in `__init__`, local variables bound
        to constructor calls or to functions with a return annotation, and annotated
        parameters. Anything else is unknown, and the caller treats the call as *possible*.
        """
        constructed = _constructor_name(owner)
        if constructed is not None:  # `Sender(args).go()`
            cls_key = self.class_key(facts, facts.imports.get(constructed.split(".")[0],
                                                               constructed.split(".")[0])
                                     + constructed[len(constructed.split(".")[0]):])
            if cls_key is None:
                cls_key = self.class_key(facts, constructed)
            return self._unless_replaced(
                ("workspace", cls_key) if cls_key is not None else ("unknown", None))
        parts = owner.split(".")
        if not parts or not all(p.isidentifier() for p in parts):
            return "unknown", None
        first = parts[0]
        bound = self._bound_at(facts, site, first)
        state: tuple[str, str | None]
        if bound is not None:
            state = bound
        else:
            cls_key = self.class_key(facts, first)
            state = ("workspace", cls_key) if cls_key is not None else self._module_type(
                facts, first)
            if cls_key is not None and len(parts) == 1:
                return self._unless_replaced(state)
        for attr in parts[1:]:
            if state[0] != "workspace" or state[1] is None:
                # An attribute of a library object may be anything, a workspace one included
                # (`request.channel.factory.service`).
                return "unknown", None
            state = self._attribute_type(state[1], attr)
        return state if len(parts) == 1 and first in ("self", "cls") else (
            self._unless_replaced(state))

    def _bound_at(self, facts: ModuleFacts, site: CallSite, name: str
                  ) -> tuple[str, str | None] | None:
        """What `name` is where the site is, when the site's function (or a narrowing, or
        `self`/`cls` in a method) binds it: as `receiver_class` states it. None when the
        name is the module's (an import, a class, a global)."""
        if name in ("self", "cls") and site.enclosing_class:
            return "workspace", function_key(facts.module, site.enclosing_class)
        if site.narrowed is not None and site.narrowed[0] == name:
            return self._named_type(facts, site.narrowed[1])  # `if isinstance(x, C):`
        enclosing = self._binding_function(facts, site.enclosing, name)
        if enclosing is not None and name in enclosing[1].param_types:
            return self._named_type(facts, enclosing[1].param_types[name])
        if enclosing is not None and name in enclosing[1].assignments:
            return self._values_type(facts, enclosing[1].assignments[name], 0,
                                     enclosing[1].self_class)
        if site.enclosing and self._local_binding(facts, site, name) is not None:
            return "unknown", None  # a local txasync did not type
        return None

    def _binding_function(self, facts: ModuleFacts, scope: str, name: str
                          ) -> tuple[ModuleFacts, FunctionFact] | None:
        """The function whose body binds `name` as seen from `scope`: the enclosing one,
        else (for a closure) the nearest outer function that binds it."""
        for outer in self._scopes_out(scope):
            found = self.functions.get(function_key(facts.module, outer))
            if found is not None and found[1].binds_locally(name):
                return found
        return self.functions.get(function_key(facts.module, scope)) if scope else None

    def _unless_replaced(self, state: tuple[str, str | None]) -> tuple[str, str | None]:
        """A class the tests replace (`patch("app.net.Endpoint", FakeEndpoint)`): what its
        name constructs, and what is declared of its type, may be the replacement."""
        if state[0] == "workspace" and state[1] is not None and state[1] in self.classes:
            if self.replacement(state[1]) is not None:
                return "unknown", None
        return state

    def _module_type(self, facts: ModuleFacts, name: str) -> tuple[str, str | None]:
        """A module-level singleton (`store = Store()`), here or imported from the module
        that binds it."""
        owner, local = facts, name
        if name not in facts.module_types:
            split = self.split_qualified(facts.imports.get(name, ""))
            if split is None or "." in split[1]:
                return "unknown", None
            owner, local = self.by_module[split[0]], split[1]
        written = owner.module_types.get(local)
        return self._named_type(owner, written) if written else ("unknown", None)

    def _attribute_type(self, cls_key: str, attr: str) -> tuple[str, str | None]:
        for key in [cls_key, *self.ancestors(cls_key)]:
            if key not in self.classes:
                continue
            owner_facts, cls = self.classes[key]
            written = cls.attribute_types.get(attr)
            if written:
                state = self._named_type(owner_facts, written)
                if (state[0] == "external" and state[1] not in _BUILTIN_TYPES
                        and (state[1] or "").split(".")[0] not in _CONTAINER_MODULES
                        and not self._stores_agree(attr, state)):
                    return "unknown", None
                return state
            if attr in cls.methods:
                # `@property def store(self) -> Store`: what reading `self.store` gives
                fn = owner_facts.function(f"{cls.qualname}.{attr}")
                if fn is not None and fn.returns_annotation and any(
                        d.rsplit(".", 1)[-1] in _PROPERTY_DECORATORS for d in fn.decorators):
                    return self._named_type(owner_facts, fn.returns_annotation)
                return "unknown", None
        return "unknown", None

    def _stores_agree(self, attr: str, state: tuple[str, str | None]) -> bool:
        """Whether every store into an attribute named `attr` (any object's, the tests'
        included) is `None` or a value of the library type its annotation names. The
        annotation alone is no proof: a test puts a `Mock()` where `self._channel:
        Optional[TwistedChannel]` says a pika channel is (directly, or as what a replaced
        `_allocate_channel` gives), and `yield self._channel.basic_qos()` handed that Mock's
        Mock back where `await` raises TypeError (fedora-messaging). Every store in the
        workspace is read, so the answer is kept for the life of this workspace."""
        memo = (attr, state)
        found = self._agree.get(memo)
        if found is None:
            self._agree[memo] = found = all(
                value.kind == "none" or self._values_type(module, [value]) == state
                for module in self.modules.values()
                for _owner, value, _on in module.attribute_stores.get(attr, ()))
        return found

    def _named_type(self, facts: ModuleFacts, written: str) -> tuple[str, str | None]:
        written = written.strip("'\"")
        cls_key = self.class_key(facts, written)
        if cls_key is not None:
            if _DEFERRED in self.ancestors(cls_key):
                return "unknown", None  # yielded, it is its result, not itself
            return "workspace", cls_key
        if written in _BUILTIN_TYPES:
            return "external", written
        top = written.split(".")[0]
        if "." in written and top not in self.top_packages and top in self._imported_roots(
                facts):
            return "external", written
        return "unknown", None

    def _imported_roots(self, facts: ModuleFacts) -> set[str]:
        """The top-level names of what `facts` imports, kept per file while its facts are
        the same object (a function of them alone, so workspaces share the memo)."""
        hit = self._roots.get(facts.path)
        if hit is None or hit[0] is not facts:
            hit = self._roots[facts.path] = (
                facts, {v.split(".")[0] for v in facts.imports.values()})
        return hit[1]

    def _named_replacements(self) -> _NamedReplacements:
        if self._by_replaced_name is None and self._named_prior is not None:
            prior, path, old = self._named_prior
            self._named_prior = None
            self._by_replaced_name = self._patched_named(prior, path, old)
        if self._by_replaced_name is None:
            table: dict[str, list[tuple[ModuleFacts, CallSite]]] = {}
            for facts in self.modules.values():
                for site in facts.replacements:
                    table.setdefault(site.callee.name, []).append((facts, site))
            self._by_replaced_name = (table, self._replaced_or_doubled(table))
        return self._by_replaced_name

    def _replaced_or_doubled(self, table: dict[str, list[tuple[ModuleFacts, CallSite]]]
                             ) -> frozenset[str]:
        """`replaced_names`: the names `table` has, and those of the classes doubles are
        made from."""
        doubled = {w.rsplit(".", 1)[-1] for facts in self.modules.values()
                   for w in facts.doubled_classes}
        return frozenset(doubled | set(table))

    def _patched_named(self, prior: _NamedReplacements, path: str, old: ModuleFacts
                       ) -> _NamedReplacements:
        """The table `_named_replacements` builds, from the one of a workspace where only
        the file at `path` differed (it had the facts `old`): the names that file's
        replacements have, before or after, get their lists again with its sites in their
        place. Building it from every file was most of a keystroke's index update in a
        file that patches something."""
        facts = self.modules[path]
        table = dict(prior[0])
        for name in ({site.callee.name for site in old.replacements}
                     | {site.callee.name for site in facts.replacements}):
            pairs = _in_order([pair for pair in table.get(name, ()) if pair[0] is not old],
                              [(facts, site) for site in facts.replacements
                               if site.callee.name == name], self._order)
            if pairs:
                table[name] = pairs
            else:
                table.pop(name, None)
        return table, self._replaced_or_doubled(table)

    def replacements_named(self, name: str) -> list[tuple[ModuleFacts, CallSite]]:
        """Every replacement site of the workspace whose target is called `name`, whatever
        it reaches, in module order (made once, and kept by `updated` while the edited file
        replaces nothing: on Twisted's tree, whose tests patch a lot, building it was ~45 ms
        of every keystroke's analysis)."""
        return self._named_replacements()[0].get(name, [])

    def replaced_names(self) -> frozenset[str]:
        """Names of everything the workspace replaces at run time, and of the classes test
        doubles are specified from (`Mock(spec=Agent)`, a library class too)."""
        return self._named_replacements()[1]

    def declared_attribute(self, name: str) -> bool:
        """Whether some workspace class declares an attribute `name` (`x: T` in its body,
        `self.x: T = ...`), from a set made once per workspace."""
        if self._declared is None:
            self._declared = {a for _, cls in self.classes.values() for a in cls.declared_attrs}
        return name in self._declared

    def _return_type(self, key: str, depth: int) -> tuple[str, str | None]:
        """The type a workspace function returns: its annotation, else its return values."""
        memo = self._return_types
        if key in memo:
            return memo[key]
        memo[key] = ("unknown", None)  # cycles
        ffacts, fn = self.functions[key]
        if fn.is_ic or fn.is_async or fn.yields:
            state: tuple[str, str | None] = ("unknown", None)
        elif fn.returns_annotation:
            state = self._named_type(ffacts, fn.returns_annotation)
        elif fn.returns and depth < 4:
            values: list[Value] = []
            for value in fn.returns:
                if value.kind == "name" and value.ref is not None:
                    assigned = fn.assignments.get(value.ref.name)
                    if not assigned:
                        values = []
                        break
                    values.extend(assigned)
                else:
                    values.append(value)
            state = (self._values_type(ffacts, values, depth + 1, fn.self_class)
                     if values else ("unknown", None))
        else:
            state = ("unknown", None)
        memo[key] = state
        return state

    def _values_type(self, facts: ModuleFacts, values: list,  # type: ignore[type-arg]
                     depth: int = 0, site_class: str = "") -> tuple[str, str | None]:
        kinds: set[tuple[str, str | None]] = set()
        for value in values:
            if value.kind == "plain":
                kinds.add(("external", None))
            elif value.kind == "call" and value.cast_to:
                kinds.add(self._named_type(facts, value.cast_to))  # `cast(Store, x)`
            elif value.kind == "call" and value.ref is not None:
                ref = value.ref
                if ref.qualified or ref.kind == "name":
                    state = self._named_type(facts, ref.qualified or ref.name)
                    if state[0] == "external" and not _library_class(state[1] or ""):
                        # `copy.copy(store)`, `cast(...)`, `random.choice(stores)`: a library
                        # function may return a workspace object
                        state = ("unknown", None)
                else:
                    state = ("unknown", None)
                if state[0] == "unknown":
                    key = self._function_for(facts, ref, site_class)
                    if key is not None:
                        state = self._return_type(key, depth)
                kinds.add(state)
            else:
                kinds.add(("unknown", None))
        return kinds.pop() if len(kinds) == 1 else ("unknown", None)

    def _function_for(self, facts: ModuleFacts, ref: Ref, site_class: str = ""
                      ) -> str | None:
        if ref.receiver in ("self", "cls") and site_class:
            return self.lookup_method(function_key(facts.module, site_class), ref.name)
        if ref.qualified:
            split = self.split_qualified(ref.qualified)
            if split is not None and function_key(*split) in self.functions:
                return function_key(*split)
            return None
        key = function_key(facts.module, ref.text)
        return key if key in self.functions else None

    def external_receiver(self, facts: ModuleFacts, site: CallSite) -> str | None:
        """The library type of the call's receiver ("" for a literal), or None."""
        return self._external_receiver(facts, site)

    def _external_receiver(self, facts: ModuleFacts, site: CallSite) -> str | None:
        """`self.limits.get()` with `self.limits = dict(...)`, `svc.start()` with `svc:
        service.Service`: the library type of the receiver ("" for a literal), or None
        when it is not known to be one."""
        ref = site.callee
        if ref.kind != "attr" or ref.qualified:
            return None
        owner = ref.text.rpartition(".")[0]
        kind, written = self.receiver_class(facts, site, owner)
        return (written or "") if kind == "external" else None

    def _workspace_below(self, external: str, name: str) -> list[str]:
        """Methods named `name` of the workspace classes that derive from (or implement) a
        library type: an instance of one may be passed where the library type is declared."""
        if not external or external in _BUILTIN_TYPES:
            return []
        classes = set(self.subclasses(external)) | set(self.subclasses(self.canonical(external)))
        classes |= set(self.implementers(external))
        found: list[str] = []
        for cls_key in sorted(classes):
            if cls_key not in self.classes:
                continue
            for method in self.dispatch_set(cls_key, name, exact=True):
                if method not in found:
                    found.append(method)
        return found

    def _build_callers(self) -> None:
        """The call-site index: every call that may reach a workspace function, resolved,
        except method calls on a receiver, which are resolved by name when a caller of a
        function of that name is first asked for (`_ensure_name`). Most of a tree's calls
        are such calls, and the analysis asks about a few names only: on Twisted's tree,
        the callers of 112 names, whose calls are 5% of all calls."""
        self._built_names = set()
        sites: dict[str, _FileSites] = {}
        for facts in self.modules.values():
            sites[facts.path] = self._file_sites(facts)
        callers_at: dict[str, list[str]] = {}
        possible_at: dict[str, list[str]] = {}
        for path, part in sites.items():
            for key in part.callers:
                callers_at.setdefault(key, []).append(path)
            for key in part.possible:
                possible_at.setdefault(key, []).append(path)
        # `_sites` last: the editor's next `updated` (on another thread than an analysis
        # building this) reads it as "the index is complete".
        self._callers_at, self._possible_at = callers_at, possible_at
        self._sites = sites

    def _file_sites(self, facts: ModuleFacts) -> _FileSites:
        try:
            return self._index_sites(facts)
        except Exception as exc:  # a bug: the engine leaves this file out and names it
            reraise_interrupt(exc)
            raise FileInternalError(facts.path, exc) from exc

    def _index_sites(self, facts: ModuleFacts) -> _FileSites:
        """A file's part of the index: its calls resolved, but for method calls whose name
        no one has asked about yet in this workspace (`_built_names`), kept pending."""
        part = _FileSites(facts)
        callers: dict[str, list[CallSite]] = {}
        possible: dict[str, list[CallSite]] = {}
        for site in facts.calls:
            name = _last_name(site.callee)
            if name not in self.methods_by_name:
                continue
            if name not in self._built_names and _by_name_alone(site.callee):
                part.pending.setdefault(name, []).append(site)
                continue
            self._record(part, site, callers, possible)
        part.callers = {key: tuple(sites) for key, sites in callers.items()}
        part.possible = {key: tuple(sites) for key, sites in possible.items()}
        return part

    def _record(self, part: _FileSites, site: CallSite, callers: dict[str, list[CallSite]],
                possible: dict[str, list[CallSite]]) -> None:
        """Resolve one site of the file and add it where it belongs."""
        res = self.resolve(part.facts, site)
        part.resolutions[id(site)] = res
        for target in res.targets:
            callers.setdefault(target, []).append(site)
        if res.possible:
            for key in self.methods_by_name.get(site.callee.name, ()):
                if self.functions[key][1].class_qualname:
                    possible.setdefault(key, []).append(site)

    def _ensure_name(self, name: str) -> None:
        """Resolve every file's pending method calls named `name` (once per file part,
        which workspaces `updated` from one another share) and add this workspace's
        records of them. Such a call reaches only functions called `name`
        (`_by_name_alone`): after this, the callers and possible callers of every function
        of that name are complete here."""
        if self._sites is None:
            self._build_callers()
        if name in self._built_names:
            return
        with _PENDING_LOCK:
            if name in self._built_names:
                return
            assert self._sites is not None
            keys = self.methods_by_name.get(name, ())
            touched: dict[str, set[str]] = {}
            touched_possible: dict[str, set[str]] = {}
            for path, part in self._sites.items():
                sites = part.pending.pop(name, None)
                if sites:
                    try:
                        self._resolve_pending(part, sites)
                    except Exception as exc:  # a bug: the engine leaves the file out
                        reraise_interrupt(exc)
                        raise FileInternalError(path, exc) from exc
                for key in keys:
                    if key in part.callers:
                        touched.setdefault(key, set()).add(path)
                    if key in part.possible:
                        touched_possible.setdefault(key, set()).add(path)
            for table, found in ((self._callers_at, touched),
                                 (self._possible_at, touched_possible)):
                for key, paths in found.items():
                    if not paths.issubset(table.get(key, ())):
                        # A new list: another workspace may share the one there now.
                        table[key] = sorted(paths.union(table.get(key, ())),
                                            key=self._order.__getitem__)
            for key in keys:
                self._flat_callers.pop(key, None)
                self._flat_possible.pop(key, None)
            self._built_names.add(name)

    def _resolve_pending(self, part: _FileSites, sites: list[CallSite]) -> None:
        """Resolve some of a file's pending calls and put each among the file's others in
        the order of the file's calls (the order a whole build gives)."""
        callers: dict[str, list[CallSite]] = {}
        possible: dict[str, list[CallSite]] = {}
        for site in sites:
            self._record(part, site, callers, possible)
        if part.places is None:
            part.places = {id(site): n for n, site in enumerate(part.facts.calls)}
        places = part.places
        for table, found in ((part.callers, callers), (part.possible, possible)):
            for key, added in found.items():
                table[key] = tuple(sorted(table.get(key, ()) + tuple(added),
                                          key=lambda site: places[id(site)]))

    @property
    def indexed(self) -> bool:
        """Whether the call-site index is built (the costly part of a first analysis)."""
        return self._sites is not None

    def resolved(self, facts: ModuleFacts, site: CallSite) -> Resolution:
        """`resolve(facts, site)`, read from the call-site index where it holds the site
        (the hazard scan asks about every call the index has already resolved)."""
        if self._sites is None:
            self._build_callers()
        assert self._sites is not None
        part = self._sites.get(facts.path)
        if part is not None and part.facts is facts:
            found = part.resolutions.get(id(site))
            if found is not None:
                return found
        return self.resolve(facts, site)

    def updated(self, path: str, facts: ModuleFacts | None, modules: Iterable[ModuleFacts],
                mentioned: Callable[[str], bool] | None = None) -> Workspace:
        """The workspace of `modules`, which are this one's with one file's facts replaced
        (`facts`; None: the file left the index).

        While the file's definitions (`definitions_signature`) are the same, nothing another
        file resolves through has changed: the new workspace shares this one's lookups and
        every other file's resolved call sites, and resolves only the edited file's sites
        again (no caller list is copied). When the edit only adds or removes functions (a
        paste, an undo) whose names no other file's text has (`mentioned`, see
        `added_or_removed_names`), no other file's call can resolve otherwise either, and
        the same sharing holds with the lookups of those names forgotten. Otherwise, and
        where sharing cannot be shown to give what a fresh build gives (the file is new or
        gone, its module name is not unique, its replacements reach something else, jedi is
        asked), it is built afresh."""
        old = self.modules.get(path)
        ordered = {each.path: each for each in modules}
        if (facts is None or old is None or self.oracle is not None
                or list(ordered) != list(self.modules) or ordered[path] is not facts
                or sum(1 for f in self.modules.values() if f.module == old.module) > 1):
            return Workspace(ordered.values())
        names: frozenset[str] = frozenset()
        if definitions_signature(old) != definitions_signature(facts):
            changed = added_or_removed_names(old, facts)
            if not changed or mentioned is None or any(mentioned(n) for n in changed):
                return Workspace(ordered.values())
            names = changed
        new = self._sharing(ordered, path, old, facts, names)
        return new if new is not None else Workspace(ordered.values())

    def _sharing(self, modules: dict[str, ModuleFacts], path: str, old: ModuleFacts,
                 facts: ModuleFacts, names: frozenset[str] = frozenset()) -> Workspace | None:
        """`updated` when the definitions of `path` are the same, or differ only by the
        functions named `names` (None: what its replacements reach changed)."""
        new = Workspace.__new__(Workspace)
        new.modules = modules
        new._namespace = self._namespace  # from paths and module names: the same set
        new._roots = self._roots  # checked against the facts object: always valid
        new._declared = None  # the edited file's classes may declare others
        new._agree = {}  # the edited file's stores may differ
        new._by_replaced_name = None
        new._named_prior = None
        new._imported_alternatives = None
        new._read_elsewhere = None
        if not _contributes_replacements(old) and not _contributes_replacements(facts):
            new._by_replaced_name = self._by_replaced_name
        elif self._by_replaced_name is not None:
            new._named_prior = (self._by_replaced_name, path, old)
        if names:
            # Functions came or went: the tables of names are made again (cheap: no call
            # is resolved), the same way a fresh build makes them.
            new.by_module, new.functions, new.classes = {}, {}, {}
            new.methods_by_name, new.top_packages, new.redefined = {}, set(), set()
            new.dynamic_prefixes = {}
            for each in modules.values():
                new.add(each)
            new._fakes = None
            new._memo_tables()
            new._subclass_memo = {k: v for k, v in dict(self._subclass_memo).items()
                                  if k[1] not in names}
            new._doubles_memo = {k: v for k, v in dict(self._doubles_memo).items()
                                 if k[1] not in names}
            new._related_memo = {k: v for k, v in dict(self._related_memo).items()
                                 if _key_name(k) not in names}
            new._candidates = _without(self._candidates, path)
            # What a computed-name call reaches as one of the names is found again: a name
            # taken out and pasted elsewhere reaches another method (the file making the
            # call never spells it).
            new._dynamic = {p: {k: v for k, v in dict(memo).items() if k[1] not in names}
                            for p, memo in dict(self._dynamic).items() if p != path}
            new._dynamic_found = {p: {k: v for k, v in dict(memo).items()
                                      if _key_name(k) not in names}
                                  for p, memo in dict(self._dynamic_found).items() if p != path}
            new._resolved_in = _without(self._resolved_in, path)
            new._return_types = {k: v for k, v in dict(self._return_types).items()
                                 if _key_name(k) not in names}
            new._implementers = self._implementers
            new._children = self._children
            new._ancestors = self._ancestors
            new._class_kinds = self._class_kinds
            new._splits = self._splits
            new._order = self._order
            new.oracle = None
            new.replaced, new.replaced_keys = {}, {}
            # A double made from a class (`Mock(spec=C)`) answers for its methods, which
            # may be the new ones: every file's doubles are found again.
            new._doubled = {p: new._doubles_of(each) for p, each in modules.items()}
            new._merge_doubled()
            return new._share_sites(self, path, old, facts, same_definitions=False)
        new.by_module = dict(self.by_module)
        if new.by_module.get(facts.module) is old:
            new.by_module[facts.module] = facts
        new.functions = dict(self.functions)
        for fn in facts.functions:  # the first definition of a name stands for it
            key = function_key(facts.module, fn.qualname)
            if new.functions[key][0] is old:
                new.functions[key] = (facts, next(f for f in facts.functions
                                                  if f.qualname == fn.qualname))
        new.classes = dict(self.classes)
        for cls in facts.classes:
            key = function_key(facts.module, cls.qualname)
            if new.classes[key][0] is old:
                new.classes[key] = (facts, next(c for c in facts.classes
                                                if c.qualname == cls.qualname))
        # Keys and names only: the same while the definitions are.
        new.methods_by_name = self.methods_by_name
        new.top_packages = self.top_packages
        new.redefined = self.redefined
        new._implementers = self._implementers
        new._fakes = self._fakes
        new._children = self._children
        new._ancestors = self._ancestors
        new._class_kinds = self._class_kinds
        new._splits = self._splits
        new._order = self._order
        new._return_types = dict(self._return_types)
        new._subclass_memo = self._subclass_memo
        new._definers = self._definers
        new._doubles_memo = self._doubles_memo
        new._related_memo = self._related_memo
        new._async_keys = self._async_keys
        new._candidates = _without(self._candidates, path)
        new._dynamic = _without(self._dynamic, path)
        new._dynamic_found = _without(self._dynamic_found, path)
        # No file's part of it changed when the edited file has no such call either side;
        # else only that file's part did.
        new._dynamic_callers, new._dynamic_prior = self._dynamic_callers, None
        if old.dynamic_calls or facts.dynamic_calls:
            new._dynamic_callers, new._dynamic_prior = {}, (self._dynamic_callers, path, old)
        new._resolved_in = _without(self._resolved_in, path)
        new.oracle = None
        new.dynamic_prefixes = {}
        for each in modules.values():
            for prefix, span in each.dynamic_prefixes.items():
                new.dynamic_prefixes.setdefault(prefix, (each.path, span))
        new.replaced, new.replaced_keys = {}, {}
        new._doubled = dict(self._doubled)
        new._doubled[path] = new._doubles_of(facts)
        if _replaces_anything(old, self) or _replaces_anything(facts, new):
            new._merge_doubled()  # else _share_sites takes the merged tables as they are
        return new._share_sites(self, path, old, facts)

    def _share_sites(self, prior: Workspace, path: str, old: ModuleFacts,
                     facts: ModuleFacts, same_definitions: bool = True) -> Workspace | None:
        """The rest of `_sharing` (on the new workspace): replacements and call sites, the
        edited file's found again and every other file's taken from `prior`."""
        new = self
        if (same_definitions and not _replaces_anything(old, prior)
                and not _replaces_anything(facts, new)):
            # The file replaces nothing, before or after: merging every other file's
            # replacements again (in the same order, each reaching what it reached) gives
            # exactly the tables `prior` holds, which nothing changes once built. On a tree
            # whose tests patch a lot (Twisted's) the merge alone was ~90 ms a keystroke.
            new.replaced, new.replaced_keys = prior.replaced, prior.replaced_keys
            new.replacing_sites = prior.replacing_sites
            new.replacing_by_name = prior.replacing_by_name
            new._reached = prior._reached
        else:
            typed = set(new._return_types)
            new._merge_replacements({p: r for p, r in prior._reached.items() if p != path})
            for key in set(new._return_types) - typed:
                del new._return_types[key]  # typed while replacements were still being added
            if _replacement_shape(old, prior._reached.get(path, [])) != _replacement_shape(
                    facts, new._reached.get(path, [])):
                return None  # what it replaces changed: receivers elsewhere may type otherwise
        new._flat_callers, new._flat_possible = {}, {}
        new._sites = None
        new._callers_at, new._possible_at = {}, {}
        new._built_names = set()
        if prior._sites is not None:
            new._sites = dict(prior._sites)
            with _PENDING_LOCK:  # the names built so far are this file's too
                new._built_names = set(prior._built_names)
                part = new._sites[path] = new._file_sites(facts)
            before = prior._sites[path]
            new._callers_at = dict(prior._callers_at)
            new._possible_at = dict(prior._possible_at)
            for table, now, then in ((new._callers_at, part.callers, before.callers),
                                    (new._possible_at, part.possible, before.possible)):
                for key in set(now) | set(then):
                    paths = [p for p in table.get(key, ()) if p != path]
                    if key in now:
                        paths.append(path)
                        paths.sort(key=new._order.__getitem__)
                    if paths:
                        table[key] = paths
                    else:
                        table.pop(key, None)
        return new

    def callers(self, key: str) -> list[tuple[ModuleFacts, CallSite]]:
        self._ensure_name(_key_name(key))
        return self._flat(key, self._callers_at, self._flat_callers, "callers")

    def possible_callers(self, key: str) -> list[tuple[ModuleFacts, CallSite]]:
        self._ensure_name(_key_name(key))
        return self._flat(key, self._possible_at, self._flat_possible, "possible")

    def _flat(self, key: str, where: dict[str, list[str]],
              memo: dict[str, list[tuple[ModuleFacts, CallSite]]], kind: str
              ) -> list[tuple[ModuleFacts, CallSite]]:
        """Every file's sites for `key`, files in workspace order (memoised)."""
        found = memo.get(key)
        if found is None:
            assert self._sites is not None
            found = []
            for path in where.get(key, ()):
                part = self._sites[path]
                found.extend((part.facts, site) for site in getattr(part, kind)[key])
            memo[key] = found
        return found


def _key_name(key: str) -> str:
    """The function or class name a key ends with (`pkg.mod:Cls.run` -> `run`)."""
    return key.rpartition(":")[2].rpartition(".")[2]


def added_or_removed_names(old: ModuleFacts, new: ModuleFacts) -> frozenset[str]:
    """The names of the functions an edit of one module added or removed, when that is all
    that changed in its `definitions_signature` (else empty).

    Another module's call can only resolve otherwise through a changed name: a call of it,
    a method of it found through a hierarchy, or a receiver typed by what it returns. The
    first two are written with the name; the last goes through some function's return
    values, which (for every function the edit kept) are part of the signature, so none of
    them may mention one of the names either."""
    before = Counter(fn.qualname for fn in old.functions)
    after = Counter(fn.qualname for fn in new.functions)
    changed = {q for q in before | after if before[q] != after[q]}
    if not changed or any(before[q] and after[q] for q in changed):
        return frozenset()  # a name bound once more or less (`redefined`): not a paste
    names = frozenset(q.rpartition(".")[2] for q in changed)
    kept_old = _signature_without(old, changed, names)
    if kept_old != _signature_without(new, changed, names):
        return frozenset()
    text = repr(kept_old)
    if any(name in text for name in names):
        return frozenset()
    return names


def _signature_without(facts: ModuleFacts, qualnames: set[str], names: frozenset[str]
                       ) -> tuple[object, ...]:
    """`definitions_signature` without the functions `qualnames`, nor the names `names`
    among the module's names and the classes' methods (both empty: the whole signature)."""
    kept = [f for f in facts.functions if f.qualname not in qualnames]
    return (
        facts.module,
        facts.is_package,
        tuple(sorted(facts.imports.items())),
        # what a name bound nowhere in a module that star-imports this one stands for
        tuple(facts.star_imports),
        facts.exports,
        tuple(sorted(facts.runtime_imports)),
        tuple(sorted(n for n in facts.module_names if n not in names)),
        tuple(sorted((k, tuple(v)) for k, v in facts.name_aliases.items())),
        # whether an alias is the name's only binding (`run_cli = run_cli_native`)
        tuple(sorted((k, facts.module_bindings.get(k), k in facts.rebound_globals)
                     for k in facts.name_aliases)),
        tuple(sorted(facts.module_types.items())),
        tuple(sorted(facts.doubled_classes)),
        tuple(_function_signature(f) for f in kept),
        tuple((c.qualname, c.name, tuple(c.bases), tuple(m for m in c.methods if m not in names),
               tuple(sorted(c.attribute_types.items())), tuple(c.implements))
              for c in facts.classes),
    )


def _without(table: dict[str, _V], path: str) -> dict[str, _V]:
    """A copy of a per-file memo without `path`'s entry. `dict()` copies in one step: a
    thread answering a hover on an older workspace may be adding to the memo meanwhile,
    which iterating it could not survive."""
    copy = dict(table)
    copy.pop(path, None)
    return copy


def _in_order(others: list[tuple[ModuleFacts, CallSite]],
              mine: list[tuple[ModuleFacts, CallSite]], order: dict[str, int]
              ) -> list[tuple[ModuleFacts, CallSite]]:
    """`others` (pairs of the other files, in workspace order) with `mine` (one file's, in
    its own order) put where that file's place in `order` puts them."""
    if not mine:
        return others
    place = order[mine[0][0].path]
    at = next((n for n, pair in enumerate(others) if order[pair[0].path] > place), len(others))
    return others[:at] + mine + others[at:]


def _contributes_replacements(facts: ModuleFacts) -> bool:
    """Whether a file adds to `Workspace.replacements_named` or `replaced_names`."""
    return bool(facts.replacements) or bool(facts.doubled_classes)


def _replaces_anything(facts: ModuleFacts, ws: Workspace) -> bool:
    """Whether a file adds to the replacement tables: a replacement, or a double made
    from a workspace class (as `ws` found them)."""
    return bool(facts.replacements) or bool(ws._doubled.get(facts.path))


def _replacement_shape(facts: ModuleFacts, reached: list[list[str] | None]
                       ) -> list[tuple[object, ...]]:
    """What a file's replacements do to the index, without where they are written: the
    names replaced by name, the keys replaced by what they reach, in order."""
    sites = sorted(facts.replacements, key=lambda site: site.callee.qualified is None)
    return [(site.callee.qualified is None, site.callee.name if found is None else "",
             tuple(found or ())) for site, found in zip(sites, reached, strict=False)]
