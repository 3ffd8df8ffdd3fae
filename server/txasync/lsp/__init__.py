"""`txasync lsp`: the language server, a presentation layer over `txasync.engine`.

`server` holds the handlers; each feature lives in its own module (diagnostics, actions,
hover, lens, commands, on_save), over `state` (folders, projects, snapshots), `session`
(client capabilities, documents), `positions` (column encodings) and `adapter` (the only
code that reads engine records beyond `engine`'s functions). Nothing here derives facts.
"""
