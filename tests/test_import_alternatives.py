"""A function imported as one of two alternatives under one name, across modules.

Found on pytest-twisted 1.14.3: `__init__.py` imports `_async_pytest_pyfunc_call` from
`three` or from `two` (`if`/`elif` on the Python version) and hands the name to a helper.
The name resolved to one import only, so the use was seen for `three`'s function (kept its
Deferred API) and not for `two`'s, which became a plain `async def`: whenever the other
branch runs, the module hands over a coroutine function where a Deferred-returning one was.
A golden case is one module; this needs two, so the project is written here, converted with
the CLI, and run before and after under real Twisted with the fallback branch taken.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import txasync

FILES = {
    "pkg/__init__.py": "",
    # The preferred implementation needs a module that is not installed: the fallback runs.
    "pkg/fast.py": """
        import pkg_native_speedups_not_installed  # noqa: F401
        from twisted.internet import defer


        @defer.inlineCallbacks
        def _fetch(x):
            y = yield defer.succeed(x)
            return y + 1
    """,
    "pkg/slow.py": """
        from twisted.internet import defer


        @defer.inlineCallbacks
        def _fetch(x):
            y = yield defer.succeed(x)
            return y + 2
    """,
    "pkg/main.py": """
        try:
            from pkg.fast import _fetch
        except ImportError:
            from pkg.slow import _fetch

        CALLBACKS = []


        def use():
            CALLBACKS.append(_fetch)
    """,
}

# What a user of the registry sees: the registered function's result, as a Deferred.
RUN = """
import sys
sys.path.insert(0, sys.argv[1])
from twisted.internet import defer
from pkg import main

main.use()
result = main.CALLBACKS[0](1)
print(type(result).__name__, isinstance(result, defer.Deferred))
if isinstance(result, defer.Deferred):
    result.addCallback(print)
else:
    result.close()
"""


def _write(root: Path) -> None:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _run(root: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", RUN, str(root)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    _write(root)
    return root


def test_both_alternatives_keep_their_deferred_api(project: Path) -> None:
    before = _run(project)
    assert before == "Deferred True\n3\n"
    result = txasync("fix", str(project))
    assert result.returncode in (0, 1), result.stderr
    assert _run(project) == before
    for alternative in ("fast", "slow"):
        text = (project / "pkg" / f"{alternative}.py").read_text(encoding="utf-8")
        assert "def _fetch(x):\n    return defer.ensureDeferred(__fetch(x))" in text, text
    again = txasync("fix", "--diff", str(project))
    assert again.stdout == ""


def test_the_reason_names_the_importing_module(project: Path) -> None:
    result = txasync("check", "--select", "TXA002", str(project))
    found = [line for line in result.stdout.splitlines() if "TXA002" in line]
    assert len(found) == 2, result.stdout
    assert all("imported in `pkg.main` under a name bound to another definition" in line
               for line in found), found
