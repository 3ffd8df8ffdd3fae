"""Errors that end a command with exit code 2 and a one-line message (no traceback)."""


class UsageError(Exception):
    """Bad flags, missing paths, unreadable configuration or baseline: exit 2."""
