"""Rewrites as one LSP WorkspaceEdit: minimal edits, versioned per document.

The engine returns whole new texts; `rewrite.edits.text_edits` reduces each to the changed
spans (cursors, folds and undo history survive; reviewers see what moved). Columns go to the
negotiated encoding. An open document is edited at the version the edit was computed for, so
a client that has moved on rejects the edit instead of corrupting the buffer; a file that is
not open is edited with version null, from the text on disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lsprotocol import types

from ..engine import FixOutcome
from ..rewrite.edits import text_edits
from .positions import LineIndex


class EditError(Exception):
    """A rewrite failed; nothing is applied (a half-converted call graph would be worse)."""


@dataclass
class BuiltEdit:
    edit: types.WorkspaceEdit
    new_texts: dict[str, str] = field(default_factory=dict)  # path -> text after the edit

    @property
    def empty(self) -> bool:
        return not self.new_texts


def lsp_text_edits(old: str, new: str, encoding: str) -> list[types.TextEdit]:
    """Minimal edits turning `old` into `new`, with positions in `old` for the client."""
    index = LineIndex(old)
    return [types.TextEdit(
        range=types.Range(index.position(e.start_line, e.start_col, encoding),
                          index.position(e.end_line, e.end_col, encoding)),
        new_text=e.text) for e in text_edits(old, new)]


def build_edit(outcomes: Iterable[FixOutcome], uri_of: dict[str, str],
               versions: dict[str, int | None], encoding: str, document_changes: bool
               ) -> BuiltEdit:
    """One WorkspaceEdit for every changed file; raises EditError if any rewrite failed."""
    outcomes = list(outcomes)
    errors = [o.error for o in outcomes if o.error is not None or o.result is None]
    if errors:
        raise EditError("; ".join(e or "rewrite failed" for e in errors))
    doc_edits: list[types.TextDocumentEdit] = []
    changes: dict[str, list[types.TextEdit]] = {}
    new_texts: dict[str, str] = {}
    for outcome in sorted(outcomes, key=lambda o: o.path):
        assert outcome.result is not None
        new = outcome.result.source
        if new == outcome.original:
            continue
        edits = lsp_text_edits(outcome.original, new, encoding)
        if not edits:
            continue
        uri = uri_of[outcome.path]
        new_texts[outcome.path] = new
        if document_changes:
            doc_edits.append(types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=versions.get(outcome.path)),
                edits=edits))
        else:
            changes[uri] = edits
    if document_changes:
        edit = types.WorkspaceEdit(document_changes=doc_edits)
    else:
        edit = types.WorkspaceEdit(changes=changes)
    return BuiltEdit(edit, new_texts)
