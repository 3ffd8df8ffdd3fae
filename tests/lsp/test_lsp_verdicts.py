"""`fix --verify`'s verdicts in the editor: the diagnostic and the hover name the test."""

from __future__ import annotations

import shutil
from pathlib import Path

from lsp_support import start, wait_diagnostics
from lsprotocol import types
from test_lsp_hover_lens import hover_at

from txasync import engine
from txasync.config import load_config
from txasync.verify.verdicts import Verdict, function_sha256, save_verdicts

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "verify_project"
TEST = "vproj.tests.test_vproj.ServiceTests.test_profile_with_double"


def _record_verdict(root: Path) -> None:
    config = load_config(str(root))
    files, _ = engine.discover([str(root)], config)
    project = engine.load_project(files, config)
    facts, fn = project.workspace.functions["vproj.service:Service.profile"]
    save_verdicts(str(root), [Verdict(
        "vproj.service:Service.profile", function_sha256(project.sources[facts.path].text, fn),
        TEST, "", "pass", "fail", "TypeError: boom", "2025-01-01", "")])


async def test_hover_and_diagnostic_show_the_verdict(client, tmp_path):
    root = tmp_path / "verify_project"
    shutil.copytree(FIXTURE, root)
    _record_verdict(root)
    await start(client, "visual-studio-code", root)
    service = client.editor.open(root / "vproj" / "service.py")
    found = await wait_diagnostics(client, service, lambda d: any(
        x.code == "TXA002" for x in d))
    [diagnostic] = [d for d in found if d.code == "TXA002"]
    assert f"changed the outcome of the test `{TEST}` from pass to fail" in diagnostic.message
    hover = await hover_at(client, service, client.editor.texts[service], "def profile", 5)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert f"Blocked: converting it changed the outcome of the test `{TEST}`" in \
        hover.contents.value


async def test_convert_and_verify_in_the_background(client, tmp_path):
    """Offered where `test-command` is configured; runs `fix --verify` with work-done
    progress; the taken-back functions then show their verdicts."""
    import sys

    root = tmp_path / "verify_project"
    shutil.copytree(FIXTURE, root)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["python"', f'[{sys.executable!r}'))
    await start(client, "emacs", root)
    service = client.editor.open(root / "vproj" / "service.py")
    await wait_diagnostics(client, service, lambda d: any(x.code == "TXA001" for x in d))
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=service),
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        context=types.CodeActionContext(diagnostics=[],
                                        only=["source.convertAndVerify.txasync"])))
    [action] = actions
    # (the client library reads a code action carrying only a command back as a Command
    # whose fields are garbled, so only the title is checked here)
    assert action.title == "txasync: convert and verify with the tests"
    assert "txasync.convertAndVerify" in str(action)
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="txasync.convertAndVerify", arguments=[root.as_uri()]))
    assert result.get("verified") is True, result
    assert {c["function"] for c in result["takenBack"]} == {
        "vproj.service:Service.profile", "vproj.hooks:Handlers.on_signup"}
    assert "vproj.store:Store.get" in result["converted"]
    tokens = [t for t in client.progress_reports if str(t).startswith("txasync-verify-")]
    kinds = [r.kind for r in client.progress_reports[tokens[0]]]
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds
    assert "async def get" in (root / "vproj" / "store.py").read_text()
