"""The project's own code style, read from its configuration files (never by running a tool).

A reviewer judges a conversion line by line; a rewritten line that runs past the project's
limit, or a formatter run that reflows the whole file, is noise in that review. What the
rewrite needs to know is small: the line length the project holds its code to, and which
formatter (if any) it formats with, so the changed lines can be laid out the same way.

Sources, most specific first (the first that sets a length wins):

- `pyproject.toml`: `[tool.ruff] line-length`, `[tool.black] line-length`,
  `[tool.isort] line_length`, `[tool.flake8] max-line-length` (flake8 plugins);
- `ruff.toml` / `.ruff.toml`: `line-length`;
- `setup.cfg`, `tox.ini`, `.flake8`: `[flake8] max-line-length` (or `max_line_length`),
  `[pycodestyle]`, `[isort] line_length`;
- else 88, the default of ruff and black.

The formatter is `ruff` when its format settings are configured (`[tool.ruff.format]`, or
`[format]` in `ruff.toml`), `black` when `[tool.black]` is present, else none.
"""

from __future__ import annotations

import configparser
import io
import os
import re
import tokenize
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

DEFAULT_LINE_LENGTH = 88

Formatter = Literal["ruff", "black"]


@dataclass(frozen=True)
class Style:
    line_length: int = DEFAULT_LINE_LENGTH
    # Where the length came from (`pyproject.toml [tool.black]`), "" for the default.
    line_length_source: str = ""
    formatter: Formatter | None = None
    # The directory holding the configuration the formatter reads (its working directory).
    root: str = "."


def _toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _ini(path: str) -> configparser.RawConfigParser | None:
    if not os.path.isfile(path):
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    return parser


def _length(value: Any) -> int | None:
    try:
        length = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return length if 20 <= length <= 1000 else None


@lru_cache(maxsize=64)
def project_style(root: str) -> Style:
    """The style of the project whose configuration lives in `root` (its pyproject.toml's
    directory, or where the other files are)."""
    root = os.path.abspath(root)
    lengths: list[tuple[int | None, str]] = []
    formatter: Formatter | None = None
    pyproject = _toml(os.path.join(root, "pyproject.toml"))
    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    ruff = tool.get("ruff") if isinstance(tool.get("ruff"), dict) else None
    black = tool.get("black") if isinstance(tool.get("black"), dict) else None
    if ruff is not None:
        lengths.append((_length(ruff.get("line-length")), "pyproject.toml [tool.ruff]"))
        if isinstance(ruff.get("format"), dict):
            formatter = "ruff"
    if black is not None:
        lengths.append((_length(black.get("line-length")), "pyproject.toml [tool.black]"))
        formatter = formatter or "black"
    for section, key in (("isort", "line_length"), ("flake8", "max-line-length")):
        table = tool.get(section)
        if isinstance(table, dict):
            lengths.append((_length(table.get(key)), f"pyproject.toml [tool.{section}]"))
    for name in ("ruff.toml", ".ruff.toml"):
        data = _toml(os.path.join(root, name))
        if data:
            lengths.append((_length(data.get("line-length")), name))
            if isinstance(data.get("format"), dict):
                formatter = formatter or "ruff"
    for name in ("setup.cfg", "tox.ini", ".flake8"):
        parser = _ini(os.path.join(root, name))
        if parser is None:
            continue
        for section in ("flake8", "pycodestyle", "isort"):
            if not parser.has_section(section):
                continue
            for key in ("max-line-length", "max_line_length", "line_length", "line-length"):
                if parser.has_option(section, key):
                    lengths.append((_length(parser.get(section, key)), f"{name} [{section}]"))
    for length, source in lengths:
        if length is not None:
            return Style(length, source, formatter, root)
    return Style(DEFAULT_LINE_LENGTH, "", formatter, root)


_CONFIG_FILES = ("pyproject.toml", "ruff.toml", ".ruff.toml", "setup.cfg", "tox.ini", ".flake8")


@lru_cache(maxsize=256)
def _config_dir(directory: str) -> str | None:
    current = directory
    while True:
        if any(os.path.isfile(os.path.join(current, name)) for name in _CONFIG_FILES):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


# Comments addressed to a tool about the line they end (ruff's list of pragmas): they must
# stay on that line, so ruff's E501 and both formatters leave a line whose code fits.
_PRAGMA = re.compile(r"#\s*(type:|noqa\b|pyright:|pylint:|mypy:|nosec\b|isort:|ruff:|fmt:|"
                     r"pragma:|pyrefly:)", re.IGNORECASE)


def code_length(line: str) -> int:
    """A line's length as a line-length limit sees it: without its newline, and without a
    trailing pragma comment (`# type: ignore[...]`, `# noqa: E501`), which cannot move to
    another line without changing what the tool it addresses reports."""
    text = line.rstrip("\r\n")
    hash_at = text.find("#")
    if hash_at < 0 or not _PRAGMA.search(text, hash_at):
        return len(text)
    comments: list[tokenize.TokenInfo] = []
    try:  # the line alone: a bracket it leaves open ends the tokens at its end
        for tok in tokenize.generate_tokens(io.StringIO(text.lstrip() + "\n").readline):
            if tok.type == tokenize.COMMENT:
                comments.append(tok)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    if not comments or not _PRAGMA.match(comments[-1].string):
        return len(text)
    indent = len(text) - len(text.lstrip())
    return len(text[:indent + comments[-1].start[1]].rstrip())


def style_for(path: str) -> Style:
    """The style of the project a file belongs to: the nearest directory above it holding
    a configuration file (the default style when there is none)."""
    directory = os.path.dirname(os.path.abspath(path))
    root = _config_dir(directory)
    return project_style(root) if root is not None else Style(root=directory)
