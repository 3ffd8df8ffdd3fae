"""A project's own alias of `typing.Generator` (`InlineCallbacksType = Generator[..., Any,
_T]`, imported where it is used, often under `if TYPE_CHECKING:`): a converted function
annotated with it returns the alias's return type (`-> None` for `InlineCallbacksType[None]`),
and the alias's import goes when nothing else uses it, leaving no empty block behind."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import make_project
from txasync.analysis.aliases import generator_aliases_for, modules_by_name
from txasync.analysis.model import GeneratorAlias
from txasync.engine import fix_project

UTIL = """\
    from typing import Any, Generator, TypeVar

    from twisted.internet import defer

    _T = TypeVar("_T")

    InlineCallbacksType = Generator[Any, Any, _T]
    """


def _fixed(tmp_path: Path, module: str, util: str = UTIL) -> str:
    files = {"pkg/__init__.py": "", "pkg/util.py": util, "pkg/mod.py": module}
    project = make_project(tmp_path, files)
    run = fix_project(project)
    target = str(tmp_path / "pkg" / "mod.py")
    outcome = next(o for o in run.outcomes if o.path == target)
    assert outcome.error is None, outcome.error
    assert outcome.result is not None
    return outcome.result.source


def test_an_alias_imported_plainly_becomes_the_return_type_and_its_import_goes(
        tmp_path: Path) -> None:
    out = _fixed(tmp_path, """\
        from twisted.internet import defer

        from pkg.util import InlineCallbacksType


        @defer.inlineCallbacks
        def stop(service) -> InlineCallbacksType[None]:
            yield service.stopService()
        """)
    assert out == textwrap.dedent("""\
        from twisted.internet import defer


        async def stop(service) -> None:
            await defer.maybeDeferred(service.stopService)
        """)


def test_an_alias_imported_under_type_checking_leaves_no_empty_block(tmp_path: Path) -> None:
    out = _fixed(tmp_path, """\
        from __future__ import annotations

        from typing import TYPE_CHECKING

        from twisted.internet import defer

        if TYPE_CHECKING:
            from pkg.util import InlineCallbacksType


        @defer.inlineCallbacks
        def count(client) -> InlineCallbacksType[int]:
            n = yield client.count()
            return n
        """)
    assert out == textwrap.dedent("""\
        from __future__ import annotations

        from twisted.internet import defer


        async def count(client) -> int:
            n = await defer.maybeDeferred(client.count)
            return n
        """)


def test_a_type_checking_block_keeps_its_other_imports(tmp_path: Path) -> None:
    out = _fixed(tmp_path, """\
        from __future__ import annotations

        from typing import TYPE_CHECKING

        from twisted.internet import defer

        if TYPE_CHECKING:
            from pkg.util import InlineCallbacksType, Other


        @defer.inlineCallbacks
        def count(client: Other) -> InlineCallbacksType[int]:
            n = yield client.count()
            return n
        """, UTIL + "\n    class Other:\n        pass\n")
    assert "if TYPE_CHECKING:\n    from pkg.util import Other\n" in out, out
    assert "async def count(client: Other) -> int:\n" in out, out


def test_an_alias_still_used_elsewhere_keeps_its_import(tmp_path: Path) -> None:
    out = _fixed(tmp_path, """\
        from __future__ import annotations

        from typing import TYPE_CHECKING

        from twisted.internet import defer

        if TYPE_CHECKING:
            from pkg.util import InlineCallbacksType


        @defer.inlineCallbacks
        def count(client) -> InlineCallbacksType[int]:
            n = yield client.count()
            return n


        def later(client) -> InlineCallbacksType[int]:
            n = yield client.count()
            return n
        """)
    assert "if TYPE_CHECKING:\n    from pkg.util import InlineCallbacksType\n" in out, out
    assert "async def count(client) -> int:\n" in out, out


def test_aliases_resolve_through_imports_and_type_parameters(tmp_path: Path) -> None:
    util = UTIL + '\n    Pairs = Generator[dict[str, _T], Any, list[_T]]\n'
    files = {"pkg/__init__.py": "from pkg.util import InlineCallbacksType\n",
             "pkg/util.py": util,
             "pkg/mod.py": "import pkg.util as u\nfrom pkg import InlineCallbacksType as IC\n"}
    project = make_project(tmp_path, files)
    facts = project.facts[str(tmp_path / "pkg" / "mod.py")]
    found = generator_aliases_for(facts, modules_by_name(project.facts.values()))
    assert found["IC"] == GeneratorAlias(("_T",), "_T")
    assert found["u.Pairs"] == GeneratorAlias(("_T",), "list[_T]")


def test_an_alias_the_module_exports_keeps_its_import(tmp_path: Path) -> None:
    out = _fixed(tmp_path, """\
        from twisted.internet import defer

        from pkg.util import InlineCallbacksType

        __all__ = ["InlineCallbacksType", "stop"]


        @defer.inlineCallbacks
        def stop(service) -> InlineCallbacksType[None]:
            yield service.stopService()
        """)
    assert "from pkg.util import InlineCallbacksType\n" in out, out
    assert "async def stop(service) -> None:\n" in out, out
