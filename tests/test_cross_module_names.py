"""Callers that reach a converted function by a name no import of theirs spells plainly.

Converting a function is only safe when every caller is found and fixed: a caller txasync
does not see keeps calling the function as before and gets a coroutine where it had a
Deferred. Two ways of reaching a function were missed (found on jasmin, an SMS gateway):

- `from pkg.mod import *`: the star import binds the function's bare name in the caller's
  module, which no import statement there names;
- a star import's `__all__`, which says what it binds: a private name it lists, and not a
  name it leaves out (an earlier star import's is then what runs);
- a namespace package (PEP 420): in `tests/routing/base.py` without `tests/__init__.py` the
  module is `routing.base` to txasync, while the code importing it, run from the project's
  root, spells it `tests.routing.base`.

The same goes the other way for the names a converted module imports: another module may
read `inlineCallbacks` or `returnValue` from it (a star import without `__all__`, an import
by name, `base.returnValue`), so the imports the conversion leaves unused there stay (found
on py-ipv8).

Each project is converted by `txasync fix`, then run under real Twisted in a child process:
the caller must still hand back a Deferred that fires with the value, and a second fix must
change nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import txasync, write

SETTLE = """\
    from twisted.internet import defer


    @defer.inlineCallbacks
    def settle(log):
        yield defer.succeed(None)
        log.append("settled")
        return "done"
    """

SETTLE_BY_NAME = """\
    from twisted.internet.defer import inlineCallbacks, returnValue, succeed


    @inlineCallbacks
    def settle(log):
        yield succeed(None)
        log.append("settled")
        returnValue("done")
    """

# An inlineCallbacks function txasync leaves as it is (a decorator it does not know sits
# under inlineCallbacks): it keeps reading `inlineCallbacks` and `returnValue`.
START_UNCONVERTED = """\
def unknown(f):
    return f


@inlineCallbacks
@unknown
def start(log):
    value = yield settle(log)
    returnValue(value)
"""

# Run in the project's root: the caller's result must be a Deferred that has fired with
# "done" after the callee ran.
CHECK = """\
import sys
from twisted.internet import defer
from {module} import start
log = []
d = start(log)
assert isinstance(d, defer.Deferred), type(d)
results = []
d.addCallback(results.append)
assert results == ["done"] and log == ["settled"], (results, log)
print("ok")
"""

PROJECTS = {
    # The caller's module star-imports the callee's; its own `defer` comes from there too,
    # so the `ensureDeferred` it needs must not be spelled `defer` (which would give its
    # `@defer.inlineCallbacks` a meaning on the next run).
    "star-import": ({
        "pkg/__init__.py": "",
        "pkg/base.py": SETTLE,
        "pkg/use.py": """\
            from pkg.base import *


            def start(log):
                d = settle(log)
                return d


            @defer.inlineCallbacks
            def later(log):
                value = yield defer.succeed(1)
                return value
            """,
    }, "pkg.use"),
    # A star import of a star import: the name is bound two modules away.
    "star-import-chain": ({
        "pkg/__init__.py": "",
        "pkg/base.py": SETTLE,
        "pkg/middle.py": "from pkg.base import *\n",
        "pkg/use.py": """\
            from pkg.middle import *


            def start(log):
                return settle(log)
            """,
    }, "pkg.use"),
    # `__all__` lists a private name: the star import binds it (no public-name rule).
    "star-import-private-in-all": ({
        "pkg/__init__.py": "",
        "pkg/base.py": '    __all__ = ["_settle"]\n' + SETTLE.replace("def settle", "def _settle"),
        "pkg/use.py": """\
            from pkg.base import *


            def start(log):
                return _settle(log)
            """,
    }, "pkg.use"),
    # The later star import's `__all__` leaves `settle` out: the earlier one's is what runs
    # (a later star import only rebinds what it exports).
    "star-import-left-out-of-all": ({
        "pkg/__init__.py": "",
        "pkg/base.py": SETTLE,
        "pkg/other.py": """\
            __all__ = ["unrelated"]


            def settle(log):
                return "not this one"


            def unrelated():
                return None
            """,
        "pkg/use.py": """\
            from pkg.base import *
            from pkg.other import *


            def start(log):
                return settle(log)
            """,
    }, "pkg.use"),
    # The callee's module imports `inlineCallbacks` and `returnValue` by name, and another
    # module reads them from there (a star import without `__all__`, an import by name, an
    # attribute of the module): the conversion leaves them unused in the callee's module,
    # and its imports must stay (seen in py-ipv8, where four test modules failed to import).
    "star-import-reads-an-import": ({
        "pkg/__init__.py": "",
        "pkg/base.py": SETTLE_BY_NAME,
        "pkg/use.py": "from pkg.base import *\n\n\n" + START_UNCONVERTED,
    }, "pkg.use"),
    "import-of-an-import": ({
        "pkg/__init__.py": "",
        "pkg/base.py": SETTLE_BY_NAME,
        "pkg/use.py": ("from pkg.base import inlineCallbacks, returnValue, settle\n\n\n"
                       + START_UNCONVERTED),
    }, "pkg.use"),
    "attribute-of-the-module": ({
        "pkg/__init__.py": "",
        "pkg/base.py": SETTLE_BY_NAME,
        "pkg/use.py": ("from pkg import base\n\n\n"
                       + START_UNCONVERTED.replace("@inlineCallbacks", "@base.inlineCallbacks")
                       .replace("returnValue(", "base.returnValue(")
                       .replace("yield settle(", "yield base.settle(")),
    }, "pkg.use"),
    # The same through a namespace package: `tests.routing.base` is `routing.base` to
    # txasync (no `tests/__init__.py`).
    "namespace-package-reads-an-import": ({
        "tests/routing/__init__.py": "",
        "tests/routing/base.py": SETTLE_BY_NAME,
        "tests/other/__init__.py": "",
        "tests/other/use.py": ("from tests.routing.base import inlineCallbacks, returnValue, "
                               "settle\n\n\n" + START_UNCONVERTED),
    }, "tests.other.use"),
    "namespace-package": ({
        "tests/routing/__init__.py": "",
        "tests/routing/base.py": SETTLE,
        "tests/other/__init__.py": "",
        "tests/other/use.py": """\
            from tests.routing.base import settle


            def start(log):
                d = settle(log)
                return d
            """,
    }, "tests.other.use"),
    # A class from a namespace package: its method is reached through `Base.settle(self)`.
    "namespace-package-class": ({
        "tests/routing/__init__.py": "",
        "tests/routing/base.py": """\
            from twisted.internet import defer


            class Base:
                @defer.inlineCallbacks
                def settle(self, log):
                    yield defer.succeed(None)
                    log.append("settled")
                    return "done"
            """,
        "tests/other/__init__.py": "",
        "tests/other/use.py": """\
            from tests.routing.base import Base


            class Sub(Base):
                def settle(self, log):
                    return Base.settle(self, log)


            def start(log):
                return Sub().settle(log)
            """,
    }, "tests.other.use"),
}


def _run(root: Path, module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHECK.format(module=module)], cwd=root,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_callers_reached_by_other_names_keep_their_deferred(tmp_path: Path, name: str) -> None:
    files, module = PROJECTS[name]
    for rel, text in files.items():
        write(tmp_path / rel, textwrap.dedent(text))
    before = _run(tmp_path, module)
    assert before.stdout.strip() == "ok", before.stderr
    fixed = txasync("fix", "--twisted-version", "24.7", str(tmp_path))
    assert fixed.returncode in (0, 1), fixed.stderr
    assert "Traceback" not in fixed.stderr
    assert re.search(r"async def _?settle\(",
                     (tmp_path / files_with(files, "settle")).read_text())
    after = _run(tmp_path, module)
    assert after.stdout.strip() == "ok", after.stderr
    again = txasync("fix", "--diff", "--twisted-version", "24.7", str(tmp_path))
    assert again.stdout == "", again.stdout


def files_with(files: dict[str, str], name: str) -> str:
    """The file of a project that defines `name`."""
    return next(rel for rel, text in files.items() if re.search(rf"def _?{name}\(", text))
