"""`Base.method(self)` calls exactly the method `Base`'s own lookup finds: no override
of a subclass, whatever `self` is. An override's callers are its own and those of the
methods a dispatching call may trade it for (`self.stop()`, `x.stop()` with `x: Base`), not
those of an explicit call of its base's method (seen in AsynQueue's tests, where
`TestCase.tearDown(self)` in one module made every other `tearDown` refuse)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import make_project
from txasync.analysis.plan import Planner

BASE = """
class Base:
    def stop(self):
        pass
"""

EXPLICIT = """
from pkg.base import Base
from pkg import base


class A(Base):
    def stop(self):
        Base.stop(self)
        base.Base.stop(self)
        return 1
"""

OVERRIDE = """
from twisted.internet import defer
from pkg.base import Base


class B(Base):
    @defer.inlineCallbacks
    def stop(self):
        yield defer.succeed(None)
"""


def _decision(tmp_path: Path, explicit: str):  # type: ignore[no-untyped-def]
    project = make_project(tmp_path, {"pkg/__init__.py": "", "pkg/base.py": BASE,
                                      "pkg/a.py": explicit, "pkg/b.py": OVERRIDE})
    decisions = Planner(project.workspace, project.config).decide()
    return decisions["pkg.b:B.stop"]


def test_an_explicit_call_of_the_base_method_is_no_caller_of_an_override(
        tmp_path: Path) -> None:
    decision = _decision(tmp_path, EXPLICIT)
    assert decision.convertible and not decision.wraps and not decision.keep_api


@pytest.mark.parametrize("call", [
    "self.stop()",  # dispatches on A's instances only: A.stop, no B
    "obj.stop()",   # `obj: Base`: any subclass's override
])
def test_a_dispatching_call_still_is(tmp_path: Path, call: str) -> None:
    source = ("from pkg.base import Base\n\n\ndef shut(obj: Base):\n"
              f"    {call.replace('self', 'obj')}\n")
    decision = _decision(tmp_path, source)
    assert decision.wraps or decision.keep_api


SAME_MODULE = """
from twisted.internet import defer


class Base:
    def stop(self):
        pass


class A(Base):
    def stop(self):
        Base.stop(self)
        return 1


class B(Base):
    @defer.inlineCallbacks
    def stop(self):
        yield defer.succeed(None)


def shut(Base):
    Base.stop()  # a parameter named like the class: any object, any override
"""


def test_a_class_of_the_same_module_is_looked_up_on_too(tmp_path: Path) -> None:
    """Written by the class's bare name in its own module, the call is no caller of an
    override either; a parameter of that name is no class object."""
    project = make_project(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": SAME_MODULE})
    planner = Planner(project.workspace, project.config)
    assert not planner.all_callers("pkg.a:B.stop")
    assert {s.span.line for _, s in planner.possible_callers("pkg.a:B.stop")} == {23}
    assert {s.span.line for _, s in planner.all_callers("pkg.a:Base.stop")} == {12}


def test_a_name_the_module_binds_again_is_no_class_object(tmp_path: Path) -> None:
    """`Base = wrap(Base)`: the name may stand for anything by the time it is called."""
    source = SAME_MODULE.replace("class A(Base):", "Base = wrap(Base)\n\n\nclass A(Base):")
    project = make_project(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": source})
    planner = Planner(project.workspace, project.config)
    assert {s.span.line for _, s in planner.all_callers("pkg.a:B.stop")} == {15}


def test_an_import_bound_twice_is_no_class_object(tmp_path: Path) -> None:
    """`try: from pkg.base import Base` / `except ImportError: from pkg.other import Base`:
    the call may reach either class's method; the filter keeps it among the callers."""
    explicit = EXPLICIT.replace(
        "from pkg.base import Base\n",
        "try:\n    from pkg.base import Base\nexcept ImportError:\n    Base = None\n")
    decision = _decision(tmp_path, explicit)
    assert decision.wraps or decision.keep_api
