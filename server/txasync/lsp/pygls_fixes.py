"""Where pygls 2.1 breaks the LSP, fixed for this server (tests/lsp/test_lsp_abuse.py).

- A request whose params do not deserialise (a missing `position`, a string where a number
  goes, a negative line) is logged and dropped by pygls's reader loop: it is never answered,
  so the editor waits forever (a hover that spins, a code-action menu that never opens).
  `TxasyncProtocol` answers it with the JSON-RPC error instead (InvalidParams, -32602).
- pygls splits documents into lines with `str.splitlines`, which also breaks at \\f,
  \\v, \\x1c-\\x1e, \\x85, U+2028 and U+2029. LSP lines end at \\n, \\r\\n and \\r only, so an
  incremental edit below a form feed (an Emacs page break, common in older Python code) was
  applied to the wrong line and the server's text silently diverged from the editor's.
  `use_lsp_lines` makes the workspace's documents split lines the LSP way.
- A change whose position is one unit past the end of its line ("If the character value is
  greater than the line length it defaults back to the line length", says the LSP) was
  applied at the start of the next line by pygls, or between the \\r and \\n of a CRLF.
  These documents clamp such positions to the end of the line first.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.workspace import TextDocument, Workspace

from ..lines import split_lines

# Where str.splitlines also ends a line, and LSP (like Python) does not.
_NOT_LINE_ENDS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


class _Answered:
    """What the reader gets for a request already answered with an error: nothing to do."""


def client_registers_commands(options: Any) -> bool:
    """`initializationOptions.clientCommands`: the client registers txasync's command ids
    itself (the VS Code extension, whose palette commands have the server's ids and forward
    to it), so the server must not advertise them: vscode-languageclient would register the
    same ids a second time and fail."""
    return isinstance(options, dict) and options.get("clientCommands") is True


class TxasyncProtocol(LanguageServerProtocol):
    """pygls's protocol, answering requests whose params do not fit their method, and
    leaving `executeCommandProvider` out for a client that registers the commands."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams
                       ) -> Generator[Any, Any, types.InitializeResult]:
        result = yield from super().lsp_initialize(params)
        if client_registers_commands(params.initialization_options):
            result.capabilities.execute_command_provider = None
        return result

    def handle_message(self, message: Any) -> None:
        if not isinstance(message, _Answered):
            super().handle_message(message)

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            msg_id = data.get("id")
            if "method" not in data or not isinstance(msg_id, int | str):
                raise  # a notification or a response: nobody waits for an answer
            self._send_response(msg_id, None, error.to_response_error())
            return _Answered()


class LspTextDocument(TextDocument):
    """A pygls document with LSP lines, and changes past the end of a line clamped."""

    @property
    def lines(self) -> tuple[str, ...]:
        source = self.source
        if any(ch in source for ch in _NOT_LINE_ENDS):
            return tuple(split_lines(source))
        return tuple(source.splitlines(True))  # the same lines, several times faster

    def apply_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        if isinstance(change, types.TextDocumentContentChangePartial):
            lines = self.lines
            change = types.TextDocumentContentChangePartial(
                range=types.Range(self._clamp(lines, change.range.start),
                                  self._clamp(lines, change.range.end)),
                text=change.text, range_length=change.range_length)
        super().apply_change(change)

    def _clamp(self, lines: tuple[str, ...], pos: types.Position) -> types.Position:
        if pos.line >= len(lines):
            return pos  # past the last line: pygls takes the end of the document
        limit = self.position_codec.client_num_units(lines[pos.line].rstrip("\r\n"))
        return pos if pos.character <= limit else types.Position(pos.line, limit)


class LspWorkspace(Workspace):
    """A pygls workspace whose documents are LspTextDocuments."""

    def _create_text_document(self, doc_uri: str, source: str | None = None,
                              version: int | None = None, language_id: str | None = None
                              ) -> TextDocument:
        return LspTextDocument(doc_uri, source=source, version=version,
                               language_id=language_id, sync_kind=self._sync_kind,
                               position_codec=self.position_codec)


def use_lsp_lines(workspace: Workspace) -> None:
    """Make `workspace` (just created by pygls's `initialize`) create LspTextDocuments."""
    if type(workspace) is Workspace:
        workspace.__class__ = LspWorkspace  # adds no state: only the document factory
