"""Proofs that every value of a receiver is known, across modules, and what kills them.

Each proof turns a `yield x.m()` into a plain `await`; each refusal here is a way a test
or a library could put something else there (a double assigned from another module, a
dataclass field, a store by computed name, a by-name replacement, a Mock installed in
place of a method). The golden cases `precision_exact_attribute`,
`precision_spec_double_self`, `precision_own_attribute_store`,
`precision_awaitable_doubles` and `precision_function_alias` show each within one file,
with their behaviour run before and after under real Twisted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import make_project
from txasync.analysis.plan import Planner
from txasync.engine import Project

APP = """
from twisted.internet import defer


class Lock:
    def acquire(self):
        return defer.succeed(True)


class FakeLock:
    def acquire(self):
        return False


class Client:
    def __init__(self):
        self._lock = Lock()

    @defer.inlineCallbacks
    def run(self):
        ok = yield self._lock.acquire()
        return ok
"""


make = make_project


def action(project: Project, module_suffix: str, qualname: str) -> str:
    planner = Planner(project.workspace, project.config)
    facts = next(f for p, f in project.facts.items() if p.endswith(module_suffix))
    fn = facts.function(qualname)
    assert fn is not None and len(fn.yields) == 1
    return planner.classify_yield(facts, fn, fn.yields[0])


def test_attribute_every_store_constructs_is_exact(tmp_path: Path) -> None:
    project = make(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": APP,
                              "pkg/other.py": "import os\nsetattr(os, 'x' + 'y', 1)\n"})
    # A store by computed name into a module's attributes lands on no instance.
    assert action(project, "app.py", "Client.run") == "await"


@pytest.mark.parametrize("tests", [
    # a double assigned from another module
    "from pkg.app import Client, FakeLock\nc = Client()\nc._lock = FakeLock()\n",
    # a Mock, which is no constructor of the class
    "from unittest import mock\nfrom pkg.app import Client\nc = Client()\nc._lock = mock.Mock()\n",
    # patched on an instance
    "from unittest import mock\nfrom pkg.app import Client\n"
    "def t():\n    with mock.patch.object(Client(), '_lock'):\n        pass\n",
    # a dataclass field of that name: its generated __init__ stores whatever it is given
    "import dataclasses\n@dataclasses.dataclass\nclass Cfg:\n    _lock: object\n",
    # a store by computed name on an object of unknown type
    "def load(obj, name, value):\n    setattr(obj, name, value)\n",
    # a store by computed name on `self` of the class itself
    "from pkg.app import Client\nclass Sub(Client):\n"
    "    def configure(self, **kw):\n        self.__dict__.update(kw)\n",
    # `object.__setattr__` with the attribute's name
    "from pkg.app import Client, FakeLock\nobject.__setattr__(Client(), '_lock', FakeLock())\n",
    # the class the constructor names is replaced by the tests
    "from unittest import mock\nimport pkg.app\n"
    "def t():\n    with mock.patch('pkg.app.Lock'):\n        pass\n",
])
def test_anything_else_that_may_store_it_keeps_the_conservative_form(
        tmp_path: Path, tests: str) -> None:
    project = make(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": APP,
                              "pkg/test_app.py": tests})
    assert action(project, "app.py", "Client.run") == "maybe"


def test_a_by_name_replacement_beside_a_spec_double_reaches_self_calls(tmp_path: Path) -> None:
    app = """
    from twisted.internet import defer


    class Store:
        def fetch(self):
            return defer.succeed(1)

        @defer.inlineCallbacks
        def total(self):
            n = yield self.fetch()
            return n
    """
    spec = "from unittest import mock\nfrom pkg.app import Store\nd = mock.Mock(spec=Store)\n"
    project = make(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": app, "pkg/test_a.py": spec})
    assert action(project, "app.py", "Store.total") == "await"
    by_name = spec + "def install(obj):\n    obj.fetch = lambda: 5\n"
    project = make(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": app,
                              "pkg/test_a.py": by_name})
    assert action(project, "app.py", "Store.total") == "maybe"


@pytest.mark.parametrize("installed, expected", [
    ("lambda: defer.succeed(5)", "await"),
    ("fake_fetch", "await"),
    ("lambda: 5", "maybe"),
    ("mock.Mock(return_value=defer.succeed(5))", "maybe"),
    ("lambda f=None: f()", "maybe"),
])
def test_what_a_replacement_installs_decides(tmp_path: Path, installed: str,
                                             expected: str) -> None:
    app = """
    from twisted.internet import defer


    class Store:
        def fetch(self):
            return defer.succeed(1)


    @defer.inlineCallbacks
    def use(store: Store):
        n = yield store.fetch()
        return n
    """
    tests = f"""
    from unittest import mock

    from twisted.internet import defer

    from pkg.app import Store


    @defer.inlineCallbacks
    def fake_fetch():
        yield defer.succeed(None)
        return 5


    def test_it():
        store = Store()
        store.fetch = {installed}
    """
    project = make(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": app,
                              "pkg/test_app.py": tests})
    assert action(project, "app.py", "use") == expected


def test_an_alias_rebound_elsewhere_is_not_followed(tmp_path: Path) -> None:
    util = """
    from twisted.internet import defer


    def run_native():
        return defer.succeed(1)


    run = run_native
    """
    user = """
    from twisted.internet import defer

    from pkg.util import run


    @defer.inlineCallbacks
    def go():
        n = yield run()
        return n
    """
    project = make(tmp_path, {"pkg/__init__.py": "", "pkg/util.py": util, "pkg/user.py": user})
    assert action(project, "user.py", "go") == "await"
    rebound = util + "\n\ndef fast():\n    global run\n    run = lambda: 2\n"
    project = make(tmp_path, {"pkg/__init__.py": "", "pkg/util.py": rebound,
                              "pkg/user.py": user})
    assert action(project, "user.py", "go") == "maybe"
    patched = "from unittest import mock\n\ndef t():\n    with mock.patch('pkg.util.run'):\n" \
              "        pass\n"
    project = make(tmp_path, {"pkg/__init__.py": "", "pkg/util.py": util,
                              "pkg/user.py": user, "pkg/test_user.py": patched})
    assert action(project, "user.py", "go") == "maybe"
