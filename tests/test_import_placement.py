"""Imports the rewrite adds or removes leave the import block as isort and ruff's `I` rules
want it: the section it belongs to, blank lines between sections and before the code, no
blank lines piling up where an import went away."""

from __future__ import annotations

import libcst as cst

from txasync.rewrite.imports import add_import, remove_unused


def _add(source: str, first_party: frozenset[str] = frozenset()) -> str:
    return add_import(cst.parse_module(source), "twisted.internet", "defer",
                      first_party=first_party).code


def test_third_party_after_the_standard_library_before_first_party() -> None:
    out = _add("import os\n\nfrom mypkg import x\n\nfrom . import y\n\n\nclass A:\n    pass\n",
               frozenset({"mypkg"}))
    assert out.startswith("import os\n\nfrom twisted.internet import defer\n\n"
                          "from mypkg import x\n\nfrom . import y\n")


def test_sorted_within_the_third_party_section() -> None:
    out = _add("import attr\nfrom zope.interface import implementer\n\n\nx = 1\n")
    assert out.startswith("import attr\nfrom twisted.internet import defer\n"
                          "from zope.interface import implementer\n\n\nx = 1\n")


def test_a_module_without_imports_gets_blank_lines_before_its_code() -> None:
    assert _add("# Copyright\n\n\nclass T:\n    pass\n") == (
        "# Copyright\n\n\nfrom twisted.internet import defer\n\n\nclass T:\n    pass\n")
    assert _add('"""Doc."""\nx = 1\n') == (
        '"""Doc."""\n\nfrom twisted.internet import defer\n\nx = 1\n')


def test_a_removed_import_leaves_no_extra_blank_line() -> None:
    source = ("from __future__ import annotations\n\nfrom twisted.internet import defer\n\n"
              "from mypkg import x\n")
    out = remove_unused(cst.parse_module(source), {"defer"}, {"x"}).code
    assert out == "from __future__ import annotations\n\nfrom mypkg import x\n"


def _ruff_isort_clean(source: str, tmp_path, where: str = "") -> bool:
    """What ruff's own `I` rules (default settings) say of the import block; `where`: the
    module's path in a project at tmp_path (else a lone file, ruff's --isolated)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    target = tmp_path / (where or "t.py")
    target.write_text(source)
    if where:
        (tmp_path / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    ran = subprocess.run([ruff, "check", *([] if where else ["--isolated"]), "--select", "I",
                          "--no-cache", str(target)], capture_output=True, text=True,
                         cwd=tmp_path)
    return ran.returncode == 0


def test_an_as_import_of_the_module_stays_a_line_of_its_own(tmp_path) -> None:
    """`from twisted.internet import reactor as r` is its own line for isort and ruff
    (combine-as-imports is off by default): `defer` goes on a new line of that module, before
    it or after it by name, never into it."""
    source = ("from twisted.internet import reactor as global_reactor\n"
              "from twisted.internet.defer import Deferred\n\nx = 1\n")
    out = _add(source)
    assert out.startswith("from twisted.internet import defer\n"
                          "from twisted.internet import reactor as global_reactor\n"
                          "from twisted.internet.defer import Deferred\n")
    assert _ruff_isort_clean(out, tmp_path)
    later = add_import(cst.parse_module("from twisted.internet import abc as a\n\nx = 1\n"),
                       "twisted.internet", "defer").code
    assert later.startswith("from twisted.internet import abc as a\n"
                            "from twisted.internet import defer\n")
    assert _ruff_isort_clean(later, tmp_path)


def test_a_plain_line_of_the_module_beside_an_as_import_takes_the_name(tmp_path) -> None:
    source = ("from twisted.internet import reactor as r\n"
              "from twisted.internet import task\n\nx = 1\n")
    out = _add(source)
    assert "from twisted.internet import defer, task\n" in out
    assert "reactor as r" in out and "defer, reactor" not in out


def test_first_party_is_decided_by_the_whole_module_path(tmp_path) -> None:
    """A project that ships `src/twisted/plugins/` (autobahn does) owns `twisted.plugins`, not
    `twisted.internet`: defer joins the third-party section, as ruff wants it."""
    from txasync.rewrite.imports import first_party

    (tmp_path / "src" / "twisted" / "plugins").mkdir(parents=True)
    (tmp_path / "src" / "pkg").mkdir()
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("")
    own = first_party("pkg.m", str(tmp_path))
    assert "pkg.sub" in own and "twisted.plugins" in own
    assert "twisted.internet" not in own and "twisted" in own
    source = "import txaio\n\nfrom pkg import y\n\nx = 1\n"
    out = add_import(cst.parse_module(source), "twisted.internet", "defer",
                     first_party=own).code
    assert out.startswith("import txaio\nfrom twisted.internet import defer\n\n"
                          "from pkg import y\n")
    assert _ruff_isort_clean(out, tmp_path, "src/pkg/m.py")


def test_beside_the_imports_of_the_same_package_in_a_section_of_its_own() -> None:
    # klein's isort settings give Twisted a section of its own (`known_secondparty`),
    # which ruff does not read: the new import joins the block that holds Twisted.
    source = ("from typing import Any\n\n"
              "from treq.testing import StubTreq\n"
              "from zope.interface import Interface\n\n"
              "from twisted.internet.defer import Deferred\n"
              "from twisted.web.iweb import IRequest\n\n"
              "from klein import Klein\n\n\nx = 1\n")
    out = _add(source, frozenset({"klein"}))
    assert ("from zope.interface import Interface\n\n"
            "from twisted.internet import defer\n"
            "from twisted.internet.defer import Deferred\n") in out, out
    assert ("from treq.testing import StubTreq\nfrom zope.interface import Interface\n\n"
            in out)
