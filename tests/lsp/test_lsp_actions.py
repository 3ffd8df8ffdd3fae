"""Code actions: multi-file conversion (applied, trial passes), quick fixes, noqa, source
actions, blocked functions, and requests for versions the client has moved past."""

from __future__ import annotations

import pytest
from lsp_support import (
    PROFILES,
    VERSIONED,
    actions_at,
    diagnostics,
    edited_uris,
    find,
    line_range,
    position_of,
    resolved,
    run_trial,
    start,
    wait_diagnostics,
)
from lsprotocol import types

HAZARDS = """from twisted.internet import defer, reactor


async def fetch():
    return 1


def start():
    fetch()
    reactor.callLater(1, fetch)
"""
FAKES = """from twisted.internet import defer
from twisted.python.failure import Failure


def fake_fetch(key):
    return defer.succeed(Failure(KeyError(key)))
"""


@pytest.mark.parametrize("profile", PROFILES)
async def test_convert_to_async_multi_file_applied_and_tests_pass(client, workspace, profile):
    await start(client, profile, workspace)
    editor = client.editor
    handlers = editor.open(workspace / "legacy_app" / "handlers.py")
    svc_tests = editor.open(workspace / "legacy_app" / "tests" / "test_service.py")
    found = await wait_diagnostics(client, handlers, lambda d: len(d) > 10)
    editor.change(svc_tests, editor.texts[svc_tests] + "\n# touched\n")  # now at version 2
    diag = find(found, "TXA001", "`create_account`")

    actions = await actions_at(client, handlers, diag.range, [diag])
    convert = [a for a in actions if a.title == "Convert to async"]
    assert len(convert) == 1
    assert convert[0].kind == types.CodeActionKind.QuickFix and convert[0].is_preferred
    action = await resolved(client, convert[0], profile)

    versions = edited_uris(action.edit)
    tests_dir = workspace / "legacy_app" / "tests"
    assert handlers in versions and svc_tests in versions
    assert (tests_dir / "test_handlers.py").as_uri() in versions  # callers in other files
    assert (tests_dir / "test_web.py").as_uri() in versions
    assert bool(action.edit.document_changes) == VERSIONED[profile]
    if VERSIONED[profile]:
        assert versions[handlers] == 1 and versions[svc_tests] == 2  # open: their versions
        assert versions[(tests_dir / "test_handlers.py").as_uri()] is None  # from disk
    # Minimal edits: nothing replaces whole files.
    for change in action.edit.document_changes or []:
        for e in change.edits:
            assert e.range.end.line - e.range.start.line < 5

    assert editor.apply(action.edit)
    assert "async def create_account" in editor.texts[handlers]
    assert "defer.ensureDeferred(self.handler.create_account(" in editor.texts[svc_tests]
    editor.save_all()
    proc = run_trial(workspace)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "PASSED" in proc.stdout
    await wait_diagnostics(client, handlers, lambda d: not any(
        x.code == "TXA001" and "`create_account`" in x.message for x in d))


@pytest.mark.parametrize("profile", PROFILES)
async def test_quick_fixes_noqa_and_source_actions(client, workspace, profile):
    await start(client, profile, workspace)
    editor = client.editor
    u = editor.open(workspace / "legacy_app" / "handlers.py")
    await wait_diagnostics(client, u, lambda d: len(d) > 10)
    text = editor.texts[u]

    # TXA003: returnValue(x) -> return x.
    rng = line_range(text, "defer.returnValue(limit)")
    actions = await actions_at(client, u, rng)
    fix = next(a for a in actions if a.title.startswith("Replace `returnValue"))
    fix = await resolved(client, fix, profile)
    assert list(edited_uris(fix.edit)) == [u]
    assert editor.apply(fix.edit)
    assert "        return limit\n" in editor.texts[u]

    # Disable for this line: a new noqa comment, then extending an existing list.
    rng = line_range(editor.texts[u], 'defer.returnValue(sum(a["balance"]')
    actions = await actions_at(client, u, rng)
    disable = next(a for a in actions if a.title == "Disable TXA003 for this line")
    assert disable.edit is not None  # cheap: never deferred to resolve
    assert editor.apply(disable.edit)
    assert 'defer.returnValue(sum(a["balance"] for a in accounts.values()))  # noqa: TXA003' \
        in editor.texts[u]
    editor.change(u, editor.texts[u].replace(
        'defer.returnValue(account["balance"])\n\n    @defer.inlineCallbacks\n    def close_',
        'defer.returnValue(account["balance"])  # noqa: E501\n\n    @defer.inlineCallbacks\n'
        '    def close_'))
    rng = line_range(editor.texts[u], "# noqa: E501")
    actions = await actions_at(client, u, rng)
    disable = next(a for a in actions if a.title == "Disable TXA003 for this line")
    assert editor.apply(disable.edit)
    assert "# noqa: E501, TXA003" in editor.texts[u]
    await wait_diagnostics(client, u, lambda d: not any(
        x.code == "TXA003" and x.range.start.line == rng.start.line for x in d))

    # source.fixAll.txasync: every safe fix of this file, and never a conversion.
    top = types.Range(types.Position(0, 0), types.Position(0, 0))
    actions = await actions_at(client, u, top, only=["source.fixAll.txasync"])
    assert [a.kind for a in actions] == ["source.fixAll.txasync"]
    fix_all = await resolved(client, actions[0], profile)
    assert list(edited_uris(fix_all.edit)) == [u]
    before = editor.texts[u]
    assert editor.apply(fix_all.edit)
    after = editor.texts[u]
    assert after.count("returnValue(") < before.count("returnValue(")
    assert "async def" not in after

    # source.convertToAsync.txasync: every convertible function here, callers elsewhere.
    actions = await actions_at(client, u, top, only=["source.convertToAsync.txasync"])
    assert [a.kind for a in actions] == ["source.convertToAsync.txasync"]
    convert_all = await resolved(client, actions[0], profile)
    uris = edited_uris(convert_all.edit)
    assert u in uris and len(uris) > 2

    # Coroutines where Twisted needs a Deferred (TXA011, TXA012): wrap them.
    hazards_path = workspace / "legacy_app" / "hazards.py"
    hazards_path.write_text(HAZARDS)
    h = editor.open(hazards_path)
    found = await wait_diagnostics(client, h, lambda d: len(d) >= 2)
    assert {d.code for d in found} == {"TXA011", "TXA012"}
    for code, expected in (("TXA011", "    defer.ensureDeferred(fetch())\n"),
                           ("TXA012", "lambda *a, **kw: defer.ensureDeferred(fetch(*a, **kw))")):
        diag = next(d for d in diagnostics(client, h) if d.code == code)
        actions = await actions_at(client, h, diag.range, [diag])
        wrap = next(a for a in actions if a.title.startswith("Wrap"))
        wrap = await resolved(client, wrap, profile)
        assert editor.apply(wrap.edit)
        assert expected in editor.texts[h]
        await wait_diagnostics(client, h, lambda d, code=code: all(x.code != code for x in d))

    # A fake that succeeds with a Failure (TXA014): respelled `fail(...)`.
    fakes_path = workspace / "legacy_app" / "fakes.py"
    fakes_path.write_text(FAKES)
    f = editor.open(fakes_path)
    found = await wait_diagnostics(client, f, lambda d: any(x.code == "TXA014" for x in d))
    diag = next(d for d in found if d.code == "TXA014")
    actions = await actions_at(client, f, diag.range, [diag])
    use_fail = next(a for a in actions if a.title.startswith("Use `fail(...)`"))
    use_fail = await resolved(client, use_fail, profile)
    assert editor.apply(use_fail.edit)
    assert "return defer.fail(Failure(KeyError(key)))" in editor.texts[f]
    await wait_diagnostics(client, f, lambda d: all(x.code != "TXA014" for x in d))


async def test_requests_for_an_old_version_answer_for_the_current_one(client, workspace):
    profile = "visual-studio-code"
    await start(client, profile, workspace)
    editor = client.editor
    u = editor.open(workspace / "legacy_app" / "handlers.py")
    found = await wait_diagnostics(client, u, lambda d: len(d) > 10)
    diag = find(found, "TXA001", "`get_balance`")
    actions = await actions_at(client, u, diag.range, [diag])
    convert = next(a for a in actions if a.title == "Convert to async")
    assert convert.data["version"] == 1
    rng = line_range(editor.texts[u], "defer.returnValue(limit)")
    fix = next(a for a in await actions_at(client, u, rng) if a.title.startswith("Replace"))

    # The user types (two lines at the top) before picking the actions computed for v1.
    editor.change(u, "# one\n# two\n" + editor.texts[u])
    # A request right after didChange sees the new text, not the debounced old one.
    moved = line_range(editor.texts[u], "defer.returnValue(limit)")
    fresh = await actions_at(client, u, moved)
    assert any(a.title.startswith("Replace") and a.data["version"] == 2 for a in fresh)

    convert = await client.code_action_resolve_async(convert)
    assert edited_uris(convert.edit)[u] == 2  # computed for the current version
    fix = await client.code_action_resolve_async(fix)
    assert edited_uris(fix.edit)[u] == 2
    assert editor.apply(fix.edit)
    assert "        return limit\n" in editor.texts[u]
    assert editor.texts[u].startswith("# one\n# two\n")
    # The conversion was computed for version 2, and the text is at version 3 now: a real
    # client rejects it rather than corrupt the buffer; resolving again gives a fresh one.
    assert not editor.apply(convert.edit)
    convert.edit = None
    convert = await client.code_action_resolve_async(convert)
    assert editor.apply(convert.edit)
    assert "async def get_balance" in editor.texts[u]
    # Positions of a stale request line up with the current text: nothing was lost.
    assert position_of(editor.texts[u], "# two").line == 1
    assert diagnostics(client, u) is not None
