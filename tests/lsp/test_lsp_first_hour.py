"""Issue 21 in the editor: a client that sends no root (item 2), and hover, code lens and
the "Convert to async" edit agreeing because they read one plan (item 7)."""

from __future__ import annotations

from pathlib import Path

from lsp_support import (
    actions_at,
    find,
    position_of,
    resolved,
    start,
    wait_diagnostics,
)
from lsprotocol import types

A = """from twisted.internet import defer


@defer.inlineCallbacks
def fetch(x):
    y = yield defer.succeed(x)
    return y
"""
B = """from twisted.internet import defer

from pkg.a import fetch


@defer.inlineCallbacks
def gather(x):
    v = yield fetch(x)
    return v


def plain(x):
    return fetch(x).addCallback(print)
"""
C = """from pkg.a import fetch


class Base:
    def go(self, x):
        return fetch(x).addCallback(print)


def later(x):
    d = fetch(x)
    return d
"""


def make(root: Path, pyproject: str | None) -> Path:
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(A)
    (pkg / "b.py").write_text(B)
    (pkg / "c.py").write_text(C)
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    return pkg


async def hover_on(client, u: str, needle: str, offset: int):
    pos = position_of(client.editor.texts[u], needle, client.editor.encoding)
    return await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=u),
        position=types.Position(pos.line, pos.character + offset)))


def wraps_in(action: types.CodeAction) -> dict[str, int]:
    edit = action.edit
    assert edit is not None
    per_uri: dict[str, int] = {}
    changes = [(c.text_document.uri, c.edits) for c in edit.document_changes or []]
    changes += list((edit.changes or {}).items())
    for u, edits in changes:
        per_uri[u] = per_uri.get(u, 0) + sum(e.new_text.count("ensureDeferred(")
                                             for e in edits)  # type: ignore[union-attr]
    return per_uri


async def test_hover_lens_and_edit_read_one_plan(client, tmp_path):
    # Twisted 22.8: `yield fetch(x)` in an inlineCallbacks function that stays a generator
    # needs a wrap once `fetch` is async. Converting `fetch` alone leaves `gather` as it is.
    pkg = make(tmp_path, "[tool.txasync]\ntwisted-version = \"22.8\"\n")
    await start(client, "visual-studio-code", tmp_path)
    a = client.editor.open(pkg / "a.py")
    found = await wait_diagnostics(client, a, lambda d: any(x.code == "TXA001" for x in d))

    hover = await hover_on(client, a, "def fetch", 5)
    assert hover is not None
    body = hover.contents.value
    assert "4 callers: 0 fine as they are, 4 need `ensureDeferred`" in body, body
    need = body.split("**Need `ensureDeferred`**", 1)[1].split("**", 1)[0]
    listed = [line for line in need.splitlines() if line.startswith("- ")]
    assert len(listed) == len(set(listed)) == 4  # each caller once

    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=a)))
    assert [lens.command.title for lens in lenses] == ["4 callers need ensureDeferred"]

    diag = find(found, "TXA001", "`fetch`")
    actions = await actions_at(client, a, diag.range, [diag])
    convert = next(x for x in actions if x.title == "Convert to async")
    action = await resolved(client, convert, "visual-studio-code")
    wraps = wraps_in(action)
    assert sum(wraps.values()) == 4
    assert wraps[(pkg / "b.py").as_uri()] == 2 and wraps[(pkg / "c.py").as_uri()] == 2


async def test_no_root_from_the_client_finds_the_package_tree(client, tmp_path):
    # No .git, no pyproject.toml: the server finds the top of the package tree itself, so
    # the callers in other files are seen, wrapped, and the hover says which root it used.
    pkg = make(tmp_path / "proj", None)
    await start(client, "neovim")  # Neovim's default for a folder without a marker: no root
    a = client.editor.open(pkg / "a.py")
    found = await wait_diagnostics(client, a, lambda d: any(x.code == "TXA001" for x in d))

    hover = await hover_on(client, a, "def fetch", 5)
    assert hover is not None
    body = hover.contents.value
    assert "No callers in the workspace" not in body
    assert f"Project root: `{tmp_path / 'proj'}` (top of the package tree" in body

    diag = find(found, "TXA001", "`fetch`")
    actions = await actions_at(client, a, diag.range, [diag])
    convert = next(x for x in actions if x.title == "Convert to async")
    action = await resolved(client, convert, "neovim")
    wraps = wraps_in(action)
    assert wraps.get((pkg / "b.py").as_uri()) == 1  # `plain`; Twisted >= 24.7 runs the yield
    assert wraps.get((pkg / "c.py").as_uri()) == 2


def test_find_root_order(tmp_path: Path) -> None:
    from txasync.config import find_root

    pkg = make(tmp_path / "proj", None)
    found = find_root(str(pkg / "a.py"))
    assert (found.path, found.kind) == (str(tmp_path / "proj"), "package")
    assert found.why.startswith("top of the package tree") and not found.loose
    (tmp_path / "proj" / "setup.cfg").write_text("")
    found = find_root(str(pkg / "a.py"))
    assert (found.path, found.kind, found.why) == (str(tmp_path / "proj"), "marker",
                                                   "nearest folder with setup.cfg")
    (pkg / ".git").mkdir()
    assert find_root(str(pkg / "a.py")).why == "nearest folder with .git"
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "x.py").write_text("")
    found = find_root(str(loose / "x.py"))
    assert found.path == str(loose) and found.loose
