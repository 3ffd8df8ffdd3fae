"""The opt-in rules of issue 22 in the editor: with TXA005/TXA006 selected in the settings,
a pass-through and a callback chain get the same hover and "Convert to async" action as an
inlineCallbacks function; without them, neither (the rules are opt-in)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lsp_support import actions_at, find, position_of, resolved, start, wait_diagnostics
from lsprotocol import types

SOURCE = '''\
from twisted.internet import defer


@defer.inlineCallbacks
def load(key):
    value = yield defer.succeed(key)
    return value.upper()


def load_default(key):
    return load(key or "x")


def shout(key):
    d = load(key)
    d.addCallback(lambda v: v + "!")
    d.addErrback(lambda f: f.trap(KeyError))
    return d
'''
CALLER = '''\
from twisted.internet import defer

from app.store import load_default, shout


@defer.inlineCallbacks
def both(key):
    a = yield load_default(key)
    b = yield shout(key)
    return a + b


def later(key):
    return shout(key).addCallback(print)


def keep(key, box):
    box.append(load_default(key))
'''
SELECT = ["TXA", "TXA005", "TXA006"]


def project(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "store.py").write_text(SOURCE)
    (root / "app" / "use.py").write_text(CALLER)
    return root


async def hover_at(client, u: str, needle: str, offset: int):
    pos = position_of(client.editor.texts[u], needle, client.editor.encoding)
    return await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=u),
        position=types.Position(pos.line, pos.character + offset)))


async def convert(client, u: str, found: list[types.Diagnostic], code: str, name: str,
                  profile: str) -> types.WorkspaceEdit:
    diag = find(found, code, f"`{name}`")
    actions = await actions_at(client, u, diag.range, [diag])
    matching = [a for a in actions if a.title == "Convert to async"]
    assert len(matching) == 1, [a.title for a in actions]
    assert matching[0].kind == types.CodeActionKind.QuickFix
    action = await resolved(client, matching[0], profile)
    assert action.edit is not None
    return action.edit


@pytest.mark.parametrize("profile", ["visual-studio-code", "neovim"])
async def test_pass_through_and_chain_hover_and_convert(client, tmp_path, profile):
    root = project(tmp_path / "ws")
    await start(client, profile, root, options={"select": SELECT})
    editor = client.editor
    store = editor.open(root / "app" / "store.py")
    use = editor.open(root / "app" / "use.py")
    found = await wait_diagnostics(client, store, lambda d: {"TXA005", "TXA006"} <= {
        x.code for x in d})

    hover = await hover_at(client, store, "def load_default", offset=6)
    assert hover is not None and hover.contents.kind == types.MarkupKind.Markdown
    body = hover.contents.value
    assert "app.store:load_default" in body and "Convertible to `async def`" in body
    assert "1 needs `ensureDeferred`" in body  # `keep` stores it, in the other file
    assert "app/use.py:18" in body and "its result is passed to `box.append`" in body
    hover = await hover_at(client, store, "def shout", offset=6)
    assert hover is not None and "app.store:shout" in hover.contents.value
    assert "Convertible to `async def`" in hover.contents.value

    edit = await convert(client, store, found, "TXA005", "load_default", profile)
    assert editor.apply(edit)
    assert 'async def load_default(key):\n    return await load(key or "x")' in \
        editor.texts[store]
    assert "box.append(defer.ensureDeferred(load_default(key)))" in editor.texts[use]
    assert "yield load_default(key)" in editor.texts[use]  # a coroutine is yielded as is

    found = await wait_diagnostics(client, store, lambda d: not any(
        x.code == "TXA005" for x in d) and any(x.code == "TXA006" for x in d))
    edit = await convert(client, store, found, "TXA006", "shout", profile)
    assert editor.apply(edit)
    text = editor.texts[store]
    assert "async def shout(key):" in text and "addCallback" not in text
    assert "except KeyError" in text
    assert "defer.ensureDeferred(shout(key)).addCallback(print)" in editor.texts[use]
    for u in (store, use):
        ast.parse(editor.texts[u])  # the edits leave both files valid Python


async def test_not_selected_no_action_and_no_hover(client, tmp_path):
    root = project(tmp_path / "ws")
    await start(client, "neovim", root)
    editor = client.editor
    store = editor.open(root / "app" / "store.py")
    found = await wait_diagnostics(client, store, lambda d: any(x.code == "TXA001" for x in d))
    assert not {"TXA005", "TXA006"} & {x.code for x in found}
    assert await hover_at(client, store, "def load_default", offset=6) is None
    text = editor.texts[store]
    line = text.splitlines().index("def load_default(key):")
    actions = await actions_at(client, store, types.Range(types.Position(line, 5),
                                                           types.Position(line, 5)))
    assert not [a for a in actions if a.title == "Convert to async"]
