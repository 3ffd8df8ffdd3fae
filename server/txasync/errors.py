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


def interrupted(exc: BaseException) -> bool:
    """Whether the user's Ctrl-C is somewhere in the exception's chain. A KeyboardInterrupt
    that lands inside a library's `finally` or `__exit__` can come out as another error
    (LibCST's position bookkeeping raises a KeyError while it unwinds; `__set_name__`
    re-raises as a RuntimeError) with the interrupt as its context."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def reraise_interrupt(exc: BaseException) -> None:
    """Raise KeyboardInterrupt again where a handler for txasync's own bugs caught an error
    the user's Ctrl-C caused: the run must stop as interrupted, not report that file as an
    internal error and go on with the rest."""
    if interrupted(exc):
        raise KeyboardInterrupt from exc
