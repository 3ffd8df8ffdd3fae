"""What an instance attribute holds, from every store into it anywhere in the workspace.

`self.session.get()` can only be judged by the class `self.session` holds. The index types
it from the class's own methods (`self.session = Session()`), which says nothing about a
test assigning `obj.session = FakeSession()` or `Mock()` from outside, so the index adds
every duck-typed fake with a method of that name, and the planner then rarely proves the
call. This module answers the stronger question the planner needs for a plain `await`: is
every value the attribute can hold at run time an instance of exactly one workspace class?

It is, when every store of an attribute of that *name* anywhere in the workspace (any
object's: the receiver of `x.session = v` may be this instance; class bodies included) is
a call of that class's constructor or `None` (a call on `None` fails before any yield or
await, the same way), nothing stores into attributes by a computed name where the
receiver may be such an instance, no method or property has that name, no class of the
family answers lookups itself (`__getattr__`), no library base may set it, and the class
is not replaced by the tests nor makes its instances in an unusual way (`__new__`, a
base out of sight, a Deferred subclass).
"""

from __future__ import annotations

from . import library
from . import twisted_api as api
from .index import Workspace, external_class, function_key
from .model import ModuleFacts

_DEFERRED = "twisted.internet.defer.Deferred"


def family(ws: Workspace, cls_key: str) -> set[str]:
    """The class, its ancestors, its subclasses and their ancestors: any of them may be
    the class of an instance whose methods run with `self` typed as `cls_key`."""
    found = {cls_key, *ws.ancestors(cls_key), *ws.subclasses(cls_key)}
    for sub in list(found):
        found.update(ws.ancestors(sub))
    return found


def may_hold_anything(ws: Workspace, cls_key: str, name: str) -> bool:
    """A class of the family answers attribute lookups itself, or a library base may set
    or define `name`: what `self.name` holds is out of sight."""
    for key in family(ws, cls_key):
        if key in ws.classes:
            if {"__getattr__", "__getattribute__"} & set(ws.classes[key][1].methods):
                return True
            continue
        if key in api.SAFE_BASES or key in ("builtins.object", "object"):
            continue
        if library.class_may_set(ws.canonical(key), name):
            return True
    return False


def constructed_class(ws: Workspace, facts: ModuleFacts, written: str,
                      qualified: str | None = None, scope: str = "") -> str | None:
    """The class a constructor call `written(...)` in `facts` (inside function `scope`)
    makes exactly an instance of: a workspace class key, or a library class's qualified
    name. None when the call may make anything else: not a class, a local of that name, a
    class the tests replace or double, a Deferred, `__new__` in its line, a base whose
    source cannot be read."""
    owner = facts.function(scope) if scope else None
    if owner is not None and owner.binds_locally(written.split(".")[0]):
        return None
    cls_key = ws.class_key(facts, qualified or written)
    if cls_key is None:
        if qualified is None or qualified.split(".")[0] in ws.top_packages or (
                external_class(qualified) is None):
            return None
        return qualified if _plain_line(ws, [qualified, *_library_ancestors(qualified)]) else None
    if ws.replacement(cls_key) is not None:
        return None
    return cls_key if _plain_line(ws, [cls_key, *ws.ancestors(cls_key)]) else None


def _library_ancestors(qualified: str, depth: int = 0) -> list[str]:
    found = external_class(qualified)
    if found is None or depth > 8:
        return []
    out: list[str] = []
    for base in found.bases:
        out += [base, *_library_ancestors(base, depth + 1)]
    return out


def _plain_line(ws: Workspace, line: list[str]) -> bool:
    """Calling a class with this line of classes makes an instance of it: no `__new__`,
    no Deferred (whose value a yield would hand back instead), every base readable."""
    for key in line:
        if key == _DEFERRED or key.rsplit(".", 1)[-1] == "Deferred":
            return False
        if key in ws.classes:
            if "__new__" in ws.classes[key][1].methods:
                return False
        elif key in api.SAFE_BASES or key in ("builtins.object", "object"):
            continue
        else:
            ext = external_class(key)
            if ext is None or "__new__" in ext.methods:
                return False
    return True


def computed_store_reaches(ws: Workspace, module: ModuleFacts, line: set[str]) -> bool:
    """Whether a store by computed name in `module` may land on an instance of a class
    of `line`: `setattr(self, name, v)` in a method of one of them, or on a receiver that
    is neither `self` of another class nor a module."""
    for kind, what in module.computed_store_receivers:
        if kind == "self":
            if function_key(module.module, what) in line:
                return True
        elif kind != "name" or not (what in ws.by_module or library.is_module(what)):
            return True
    return False


def store_elsewhere(ws: Workspace, module: ModuleFacts, owner: str, on_self: str,
               line: set[str]) -> bool:
    """A store `self.name = v` in a method of a class outside `line` (the family of the
    class whose attribute is asked about): `self` there is an instance of that class or of
    one of its subclasses, none of which is in the family, so the store never lands on an
    instance the question is about. Only a plain method whose first parameter is `self`,
    never rebound, counts."""
    if not on_self or not owner:
        return False
    fn = module.function(owner)
    if fn is None or fn.class_qualname != on_self or fn.params[:1] != ("self",) or (
            "self" in fn.assignments or "self" in fn.declared_outer) or any(
            d.rsplit(".", 1)[-1] in ("staticmethod", "classmethod") for d in fn.decorators):
        return False
    owner_class = function_key(module.module, on_self)
    if owner_class not in ws.classes:
        return False
    for facts, site in ws.callers(function_key(module.module, owner)):
        # `Report.close(job)` or the function handed over (`MethodType(Report.close, job)`)
        # runs it with any object as `self`.
        if site.uncalled or (site.callee.receiver not in ("self", "cls", "super")
                             and ws.class_key(facts, site.callee.text.rpartition(".")[0])):
            return False
    return not ({owner_class, *ws.subclasses(owner_class)} & line)


def exact_attribute_class(ws: Workspace, cls_key: str, name: str) -> str | None:
    """The one class every value of `self.name` (on an instance of `cls_key`) is exactly
    an instance of (a workspace class key, or a library class's qualified name), or None
    when it may be anything else at run time."""
    if ws.methods_by_name.get(name):
        return None  # a method or property of that name somewhere: not a plain store
    if ws.declared_attribute(name):
        return None  # a declared field (`x: T` of a dataclass): its `__init__` may set it
    held: set[str] = set()
    line = family(ws, cls_key)
    for module in ws.modules.values():
        if computed_store_reaches(ws, module, line) or "__dict__" in module.attribute_stores:
            return None  # `setattr(o, name, v)`, `o.__dict__ = d`: may hold anything
        for owner, value, on_self in module.attribute_stores.get(name, ()):
            if value.kind == "none" or store_elsewhere(ws, module, owner, on_self, line):
                continue  # `x.name = None`: a call on it fails the same either way
            if value.kind != "call" or value.ref is None or value.cast_to:
                return None
            ref = value.ref
            if ref.kind == "attr" and ref.receiver != "module":
                return None
            made = constructed_class(ws, module, ref.text, ref.qualified, owner)
            if made is None:
                return None
            held.add(made)
            if len(held) > 1:
                return None
    if len(held) != 1 or may_hold_anything(ws, cls_key, name):
        return None
    return held.pop()
