"""The VS Code extension's manifest against the server (issue 21 items 3 and 12).

Runs without Node or VS Code: it reads package.json, the extension's source and the
server's settings module. What the extension does with them at run time is checked by the
extension-host suite (vscode-client/test/suite, run by tests/e2e/test_vscode.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from txasync.lsp import settings

CLIENT = Path(__file__).resolve().parent.parent / "vscode-client"
MANIFEST = json.loads((CLIENT / "package.json").read_text())
PROPERTIES = MANIFEST["contributes"]["configuration"]["properties"]
EXTENSION = (CLIENT / "src" / "extension.ts").read_text()

# Every key the server reads from the `txasync` section (settings.merge).
SERVER_KEYS = {"twistedVersion", "severity", "codeLens", "fixOnSave", "interpreter",
               "environment", *settings._ENGINE_KEYS}


def test_every_server_setting_is_declared_with_description_and_default() -> None:
    for key in sorted(SERVER_KEYS):
        prop = PROPERTIES.get(f"txasync.{key}")
        assert prop is not None, f"txasync.{key} is not in package.json"
        assert prop.get("markdownDescription") or prop.get("description"), key
        assert "default" in prop, key


def test_choice_settings_list_their_values() -> None:
    assert set(PROPERTIES["txasync.wrapper"]["enum"]) >= {"ensureDeferred", "fromCoroutine"}
    assert set(PROPERTIES["txasync.unknownYield"]["enum"]) >= {"maybe-deferred", "await",
                                                               "refuse"}
    assert PROPERTIES["txasync.importStrategy"]["enum"] == ["fromEnvironment", "useBundled"]


def test_severity_values_are_pylance_names_and_the_server_takes_them() -> None:
    levels = PROPERTIES["txasync.severity"]["additionalProperties"]["enum"]
    assert levels == ["error", "warning", "information", "hint", "none"]
    merged = settings.merge(settings.Settings(), {"severity": {"TXA004": "none"}})
    assert merged.severity == {"TXA004": "off"}


def test_engine_settings_are_sent_to_the_server() -> None:
    sent = re.search(r"SERVER_SETTINGS = \[([^\]]*)\]", EXTENSION)
    assert sent is not None
    names = set(re.findall(r"'(\w+)'", sent.group(1)))
    assert names >= SERVER_KEYS - {"interpreter"}


def test_client_settings_and_commands_like_ruffs() -> None:
    for key in ("enable", "path", "importStrategy"):
        assert f"txasync.{key}" in PROPERTIES
    commands = {c["command"] for c in MANIFEST["contributes"]["commands"]}
    assert "txasync.showLogs" in commands
    for command in commands:  # every contributed command is registered by the extension
        assert f"command('{command}'" in EXTENSION, command


def test_install_button_does_not_ask_pypi_for_txasync() -> None:
    assert "'install', 'txasync'" not in EXTENSION
    assert "bundledWheel()" in EXTENSION and "!server/*.whl" in (
        CLIENT / ".vscodeignore").read_text()
    assert "bundle-server" in MANIFEST["scripts"]["package"]
    # The .vsix carries the dependencies' wheels too, and the button installs them offline
    # into an environment of the extension's own.
    assert "--no-deps" not in MANIFEST["scripts"]["bundle-server"]
    assert "'--no-index', '--find-links'" in EXTENSION and "'-m', 'venv'" in EXTENSION


def test_no_popup_where_twisted_is_not_used() -> None:
    assert "workspaceUsesTwisted" in EXTENSION and "DONT_SHOW_AGAIN" in EXTENSION


def test_readme_states_the_node_version() -> None:
    assert re.search(r"Node\.js \d+ or later", (CLIENT / "README.md").read_text())


def test_docs_do_not_promise_a_pypi_package() -> None:
    root = CLIENT.parent
    for doc in ("README.md", "docs/editors.md", "docs/ci.md", "vscode-client/README.md"):
        text = (root / doc).read_text()
        assert not re.search(r"pip install txasync\b(?![-\[])", text), doc


def test_editors_doc_says_how_to_save_multi_file_edits() -> None:
    """Issue 21 item 6: Neovim, Emacs and Helix leave the other files' edits unsaved."""
    text = (CLIENT.parent / "docs" / "editors.md").read_text()
    assert "`:wa` in Neovim" in text and "save-some-buffers" in text and ":write-all" in text


def test_client_and_server_command_ids_are_the_same() -> None:
    """Every command the server runs is registered by the extension under the same id (a
    lens's or a code action's `txasync.convertFunction` is the palette's), and the extension
    tells the server so (`clientCommands`), so vscode-languageclient does not register them
    a second time; the palette shows the ones a user runs by hand."""
    from txasync.lsp import commands as server_commands

    ids = {value for name, value in vars(server_commands).items()
           if name.isupper() and isinstance(value, str) and value.startswith("txasync.")}
    assert ids >= {"txasync.convertFunction", "txasync.convertAndVerify"}
    for command in ids:
        assert f"command('{command}'" in EXTENSION, command
    palette = {c["command"] for c in MANIFEST["contributes"]["commands"]}
    assert ids - {"txasync.convertAndVerify"} <= palette
    assert "clientCommands: true" in EXTENSION
