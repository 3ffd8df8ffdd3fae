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
