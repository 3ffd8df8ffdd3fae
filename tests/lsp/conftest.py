"""A fresh `txasync lsp` process per test, driven by pytest-lsp's client.

Tests initialize the session themselves (`lsp_support.start`), so each chooses the client
capability profile (the recorded VS Code, Neovim and Emacs ones), the workspace folders and
the initialization options it needs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import SERVER, Editor, copy_example
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

# Let the server processes keep compiled bytecode: about half a second saved per start.
SERVER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=SERVER_ENV))
async def client(lsp_client: LanguageClient):
    editor = Editor(lsp_client)
    lsp_client.editor = editor  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        applied = editor.apply(params.edit)
        return types.ApplyWorkspaceEditResult(
            applied=applied, failure_reason=None if applied else "version mismatch")

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        lsp_client.registrations = list(params.registrations)  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def lens_refresh(params: None) -> None:
        lsp_client.lens_refreshes = getattr(lsp_client, "lens_refreshes", 0) + 1  # type: ignore

    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return copy_example(tmp_path)
