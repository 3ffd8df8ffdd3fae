"""Errors that end a command with exit code 2 and a one-line message (no traceback)."""


class UsageError(Exception):
    """Bad flags, missing paths, unreadable configuration or baseline: exit 2."""


class Superseded(Exception):
    """An analysis given up because what it analyses changed meanwhile (the editor's next
    keystroke): its answer would be for a text nobody has any more."""


class FileInternalError(Exception):
    """A bug in txasync met while analysing one file: the engine leaves that file out of the
    run and reports it by name, instead of stopping the whole run."""

    def __init__(self, path: str, cause: BaseException) -> None:
        super().__init__(f"{path}: {type(cause).__name__}: {cause}")
        self.path = path
        self.cause = cause
