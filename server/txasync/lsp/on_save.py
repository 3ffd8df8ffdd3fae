"""Fix on save (`fixOnSave`): the safe fixes, returned from `willSaveWaitUntil`.

For editors without `codeActionsOnSave` (Helix, plain Emacs setups). Only safe fixes, never a
conversion: saving must not change what a function returns. The edits are for the buffer the
editor is about to write; if the buffer changed while they were computed, nothing is returned
rather than edits for text the editor no longer has.
"""

from __future__ import annotations

from lsprotocol import types

from . import fixes
from .session import Session
from .uris import to_path
from .workspace_edit import lsp_text_edits


def wants_formatting(session: Session) -> bool:
    """Serve fixOnSave as document formatting for clients without willSaveWaitUntil.

    Helix, for one, never sends `willSaveWaitUntil` but formats on save (`auto-format`),
    so there the safe fixes arrive as formatting edits. Only when asked for (fixOnSave in
    initializationOptions): otherwise txasync would offer itself as a Python formatter.
    """
    return (session.state.base_settings.fix_on_save
            and not session.client_has("text_document.synchronization.will_save_wait_until"))


async def will_save(session: Session,
                    params: types.WillSaveTextDocumentParams | types.DocumentFormattingParams
                    ) -> list[types.TextEdit] | None:
    """The safe fixes for the document about to be saved (or formatted), if fixOnSave."""
    path = to_path(params.text_document.uri)
    if path is None:
        return None
    folder = session.state.folder_for(path)
    if not folder.settings.fix_on_save:
        return None
    try:
        result = await fixes.compute(session, folder, fixes.safe_fixes(path))
    except fixes.EditError as exc:
        session.log(f"txasync: fix on save skipped: {exc}")
        return None
    new = result.built.new_texts.get(path)
    opened = session.open_text(path)
    if new is None or opened is None or opened[1] != result.snapshot.versions.get(path):
        return None
    return lsp_text_edits(opened[0], new, session.encoding)
