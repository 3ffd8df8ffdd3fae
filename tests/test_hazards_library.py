"""TXA013 decides from the test case's real base classes where it can read them, and says
it does not know where it cannot (issue: hazards that depend on libraries)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from txasync.config import Config
from txasync.engine import analyse, load_project

SYNC_CASE = """
    import unittest


    class T(unittest.TestCase):
        async def test_a(self):
            pass
"""

UNKNOWN_BASE = """
    from somewhere_unknown import FancyTestCase


    class T(FancyTestCase):
        async def test_a(self):
            pass
"""


def _txa013(tmp_path: Path, source: str) -> list[str]:
    path = tmp_path / "pkg" / "test_x.py"
    path.parent.mkdir(parents=True)
    (path.parent / "__init__.py").write_text("")
    path.write_text(textwrap.dedent(source))
    project = load_project([str(path.parent / "__init__.py"), str(path)], Config())
    return [f.message for f in analyse(project).findings if f.code == "TXA013"]


def test_a_readable_base_is_asserted(tmp_path: Path) -> None:
    [message] = _txa013(tmp_path, SYNC_CASE)
    assert "unknown" not in message


def test_an_unreadable_base_is_said_to_be_unknown(tmp_path: Path) -> None:
    [message] = _txa013(tmp_path, UNKNOWN_BASE)
    assert "whether its test runner awaits it is unknown" in message
    assert "somewhere_unknown.FancyTestCase" in message and "--python" in message


def test_a_module_outside_the_tests_says_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pkg" / "client.py"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(UNKNOWN_BASE))
    project = load_project([str(path)], Config())
    assert not [f for f in analyse(project).findings if f.code == "TXA013"]
