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
