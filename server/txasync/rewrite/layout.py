"""Lay out the statements a rewrite changed the way the project lays out its code.

`yield f(a,` becoming `await defer.maybeDeferred(f, a,` moves the bracket its continuation
lines were aligned to; `def` becoming `async def` does the same to a signature; and every
added word can push a line past the project's limit. A reviewer reads those as noise, so
after the rewrite each changed statement is:

1. re-aligned: a continuation line that was aligned with the bracket it sits in (visual
   indentation) follows that bracket to its new column, and a continuation line the
   rewrite added (a keep-API helper's copy of the signature) is aligned with its bracket
   when that bracket was opened with text after it;
2. re-wrapped when one of its lines is now longer than the project's limit (style.py) and
   the line it replaces was not, or was shorter (each old line of a changed block answers
   for one new line, its most similar: a line the rewrite added, such as a keep-API
   wrapper's `return`, replaces nothing): joined onto one line if that fits, else split
   after its last opening bracket (a `def`'s parameters first, as black does), the body on
   its own line one indent deeper and the closing bracket back at the statement's
   indentation, and the body split once per item, with a trailing comma, when it does not
   fit either: the layout black and ruff produce, which is also what pycodestyle accepts.
   A statement the author exploded with a magic trailing comma, or one with comments,
   keeps its lines: only its over-long lines that are whole items (their brackets close on
   the line) are split in the same way. A trailing pragma comment (`# type: ignore`,
   `# noqa`) does not count towards a line's length (style.py `code_length`).

Only whitespace, trailing commas and string breaks change, and only inside the changed
statements. A statement with multi-line strings or backslash continuations keeps the
rewrite's layout (step 1 aside); implicitly concatenated strings are never joined, but an
over-long line that is one string inside brackets (`ensureDeferred(...)` added in an
f-string) is cut after a space or at a replacement field into adjacent strings, which are
the same string. The result
must parse to the same tree as the text it came from, else that text is kept: layout never
changes what the code does.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
from dataclasses import dataclass

from ..lines import split_lines
from ..style import code_length

_OPEN = "([{"
_CLOSE = ")]}"
INDENT = "    "


@dataclass
class _Line:
    logical: int  # index of the logical line (statement or header) this line belongs to
    bracket_col: int | None  # column of the innermost open bracket at the line's start
    in_string: bool  # the line starts inside a multi-line string
    visual: bool  # the innermost bracket was opened with text after it on its line


@dataclass
class _Logical:
    start: int  # 0-based first line
    end: int  # 0-based last line (inclusive)
    comments: bool
    backslash: bool
    strings: bool  # a string token spanning lines


def _scan(text: str) -> tuple[list[_Line], list[_Logical]] | None:
    lines = split_lines(text)
    info = [_Line(-1, None, False, False) for _ in lines]
    logicals: list[_Logical] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    stack: list[tuple[int, int, bool]] = []  # (line, col, visual)
    start: int | None = None
    comments = strings = False
    line_of_prev = -1
    for index, tok in enumerate(tokens):
        if tok.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
                        tokenize.ENDMARKER):
            continue
        row = tok.start[0] - 1
        if tok.type in (tokenize.NL, tokenize.COMMENT) and start is None:
            continue
        if start is None:
            start, comments, strings = row, False, False
        if tok.type == tokenize.COMMENT:
            comments = True
        if tok.type == tokenize.STRING and tok.end[0] != tok.start[0]:
            strings = True
            for inner in range(tok.start[0], tok.end[0]):
                if inner < len(info):
                    info[inner].in_string = True
        if row != line_of_prev:
            # first token on this physical line
            for r in range(max(line_of_prev + 1, start), row + 1):
                if r < len(info) and r != start:
                    top = stack[-1] if stack else None
                    info[r].bracket_col = top[1] if top else None
                    info[r].visual = bool(top and top[2])
            line_of_prev = row
        if tok.type == tokenize.OP and tok.string in _OPEN:
            nxt = tokens[index + 1] if index + 1 < len(tokens) else None
            visual = nxt is not None and nxt.type not in (
                tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT) and nxt.start[0] == tok.start[0]
            stack.append((row, tok.start[1], visual))
        elif tok.type == tokenize.OP and tok.string in _CLOSE and stack:
            stack.pop()
        if tok.type == tokenize.NEWLINE:
            end = tok.end[0] - 1
            backslash = any(lines[r].rstrip("\r\n").endswith("\\")
                            for r in range(start, min(end, len(lines))))
            logicals.append(_Logical(start, end, comments, backslash, strings))
            for r in range(start, end + 1):
                if r < len(info):
                    info[r].logical = len(logicals) - 1
            start = None
            line_of_prev = end
    return info, logicals


def tidy(old: str, new: str, line_length: int) -> str:
    """`new` (the rewrite of `old`) with each changed statement re-aligned and re-wrapped."""
    if old == new:
        return new
    old_lines = split_lines(old)
    new_lines = split_lines(new)
    scanned_new = _scan(new)
    scanned_old = _scan(old)
    if scanned_new is None or scanned_old is None:
        return new
    new_info, new_logicals = scanned_new
    old_info, _ = scanned_old
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    changed: set[int] = set()  # new logicals the rewrite changed
    # The new lines over the limit the rewrite made so: their old counterpart was within
    # it, or shorter, or there is none.
    too_long: set[int] = set()
    old_for_new: dict[int, int] = {}  # an unchanged new line -> its old line
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(j2 - j1):
                old_for_new[j1 + offset] = i1 + offset
            continue
        counterparts = _counterparts(old_lines[i1:i2], new_lines[j1:j2], line_length)
        for j in range(j1, j2):
            logical = new_info[j].logical if j < len(new_info) else -1
            if logical < 0:
                continue
            changed.add(logical)
            length = code_length(new_lines[j])
            if length > line_length:
                before = counterparts.get(j - j1)
                old_length = code_length(old_lines[i1 + before]) if before is not None else 0
                if old_length <= line_length or length > old_length:
                    too_long.add(j)
    if not changed:
        return new
    out = list(new_lines)
    # A changed statement's lines the rewrite left as they were keep their old column:
    # the old line's column of its bracket tells whether it was aligned with it.
    replaced: dict[int, list[str]] = {}
    for logical in sorted(changed):
        stmt = new_logicals[logical]
        for j in range(stmt.start + 1, stmt.end + 1):
            i = old_for_new.get(j)
            bracket = new_info[j].bracket_col
            if (i is None and new_info[j].visual and bracket is not None
                    and not new_info[j].in_string and out[j].lstrip(" ")[:1] not in _CLOSE):
                # A line the rewrite added (a keep-API helper's signature, copied from the
                # wrapper's under a longer `async def __name(`) goes where pycodestyle
                # wants a line continuing a bracket opened with text after it: aligned.
                out[j] = " " * (bracket + 1) + out[j].lstrip(" ")
                too_long.update([j] if code_length(out[j]) > line_length else [])
                continue
            if i is None or new_info[j].in_string or new_info[j].bracket_col is None:
                continue
            old_col = old_info[i].bracket_col
            new_col = new_info[j].bracket_col
            line = out[j]
            indent = len(line) - len(line.lstrip(" "))
            if line.lstrip(" ")[:1] in _CLOSE:
                continue  # a closing bracket's own line: left where the author put it
            if (old_col is not None and new_col is not None and old_info[i].visual
                    and indent == old_col + 1 and new_info[j].visual and new_col != old_col):
                out[j] = " " * (new_col + 1) + line.lstrip(" ")
        text_lines = out[stmt.start:stmt.end + 1]
        # A line the rewrite left alone but step 1 moved right counts as rewritten.
        long_lines = [j for j in range(stmt.start, stmt.end + 1)
                      if code_length(out[j]) > line_length and (j in too_long or (
                          j in old_for_new
                          and code_length(out[j]) > code_length(old_lines[old_for_new[j]])))]
        if long_lines and not (stmt.backslash or stmt.strings):
            wrapped = None
            if not stmt.comments:
                wrapped = _rewrap(text_lines, line_length)
            elif len(text_lines) == 1:
                split = _trailing_comment(text_lines[0])
                if split is not None:
                    wrapped = _rewrap([split[0]], line_length, split[1])
            if wrapped is None and len(text_lines) > 1:
                wrapped = _rewrap_items(text_lines, [j - stmt.start for j in long_lines],
                                        line_length)
            if wrapped is not None:
                replaced[stmt.start] = wrapped
    if replaced:
        result: list[str] = []
        skip_to = -1
        for index, line in enumerate(out):
            if index <= skip_to:
                continue
            if index in replaced:
                stmt = new_logicals[new_info[index].logical]
                result.extend(replaced[index])
                skip_to = stmt.end
                continue
            result.append(line)
        out = result
    tidied = "".join(out)
    return tidied if _same_tree(new, tidied) else new


def _counterparts(old: list[str], new: list[str], limit: int) -> dict[int, int]:
    """Which old line over the limit each new line over it replaces (indexes into the
    changed block): the most similar pairs first, each old line answering for one new line
    at most, and only where they are alike (so one long original line excuses no
    neighbour, nor the lines the rewrite added). Lines within the limit need no excuse
    and give none, which keeps this cheap on a large block."""
    long_old = [(i, line.strip()) for i, line in enumerate(old) if code_length(line) > limit]
    if not long_old:
        return {}
    scored: list[tuple[float, int, int]] = []
    for j, line in enumerate(new):
        if code_length(line) <= limit:
            continue
        text = line.strip()
        for i, candidate in long_old:
            matcher = difflib.SequenceMatcher(None, text, candidate, autojunk=False)
            if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
                continue
            ratio = matcher.ratio()
            if ratio >= 0.5:
                scored.append((ratio, j, i))
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _ratio, j, i in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if j not in pairs and i not in used:
            pairs[j] = i
            used.add(i)
    return pairs


def _same_tree(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


# -- re-wrapping one statement ------------------------------------------------------------

def _newline(lines: list[str]) -> str:
    last = lines[-1]
    if last.endswith("\r\n"):
        return "\r\n"
    return "\n" if last.endswith("\n") else ""


def _join(lines: list[str]) -> str | None:
    """The statement on one line (its first line's indentation kept), or None when a
    magic trailing comma says the author wants it exploded, or when two of its lines are
    strings concatenated implicitly (joined, they read as one string written in two).

    Each line's text is kept as written; only the breaks between lines become a space, or
    nothing next to a bracket."""
    text = "".join(line.rstrip("\r\n") + "\n" for line in lines)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(_dedent_first(text)).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    first: dict[int, tokenize.TokenInfo] = {}
    last: dict[int, tokenize.TokenInfo] = {}
    for tok in tokens:
        if tok.type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                        tokenize.ENDMARKER, tokenize.ENCODING, tokenize.COMMENT):
            continue
        first.setdefault(tok.start[0] - 1, tok)
        last[tok.end[0] - 1] = tok
    strings = {tokenize.STRING, *(getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_END")
                                  if hasattr(tokenize, n))}
    indent = lines[0][:len(lines[0]) - len(lines[0].lstrip(" \t"))]
    parts: list[str] = []
    prev: tokenize.TokenInfo | None = None
    for row, line in enumerate(lines):
        code = line.rstrip("\r\n").strip()
        if not code:
            continue
        head = first.get(row)
        if prev is not None and head is not None:
            if head.string in _CLOSE and prev.string == ",":
                return None  # a magic trailing comma
            if head.type in strings and prev.type in strings:
                return None  # implicitly concatenated strings
            if not (prev.string in _OPEN or head.string in _CLOSE):
                parts.append(" ")
        parts.append(code)
        prev = last.get(row, prev)
    return indent + "".join(parts)


def _dedent_first(text: str) -> str:
    """Tokenize needs the first line at column 0 (continuation lines may stay indented)."""
    first, _, rest = text.partition("\n")
    return first.lstrip(" \t") + "\n" + rest


def _rewrap(lines: list[str], limit: int, comment: str = "") -> list[str] | None:
    """The statement's new lines; a trailing `comment` (of a one-line statement) goes
    after its last line, where black and ruff keep it."""
    newline = _newline(lines) or "\n"
    joined = _join(lines)
    if joined is None:
        return None
    if len(joined) + len(comment) <= limit:
        return [joined + comment + newline]
    result = _split(joined, limit)
    if result is None:
        return None
    result[-1] += comment
    return [line + newline for line in result]


def _rewrap_items(lines: list[str], long: list[int], limit: int) -> list[str] | None:
    """A statement that keeps its lines (it has comments, or the author exploded it) with
    each of its `long` lines that is a whole item split on its own, as `_split` splits a
    line; None when one of them is not such a line (its brackets do not close on it, or it
    holds a comment) or does not split."""
    out = list(lines)
    for index in sorted(long, reverse=True):
        line = lines[index]
        newline = line[len(line.rstrip("\r\n")):] or "\n"
        code = line.rstrip("\r\n")
        tokens = _tokens(code)
        if not tokens or any(t.type == tokenize.COMMENT for t in tokens) or not _balanced(tokens):
            return None
        split = _split(code, limit)
        if split is None and index > 0:  # inside the statement's brackets
            split = _split_string(code, limit)
        if split is None:
            return None
        out[index:index + 1] = [part + newline for part in split]
    return out


def _balanced(tokens: list[tokenize.TokenInfo]) -> bool:
    level = 0
    for tok in tokens:
        if tok.type == tokenize.OP and tok.string in _OPEN:
            level += 1
        elif tok.type == tokenize.OP and tok.string in _CLOSE:
            level -= 1
            if level < 0:
                return False
    return level == 0


def _trailing_comment(line: str) -> tuple[str, str] | None:
    """(code, "  # comment") of a one-line statement whose only comment ends it."""
    tokens = _tokens(line)
    if not tokens:
        return None
    comments = [t for t in tokens if t.type == tokenize.COMMENT]
    if len(comments) != 1 or comments[-1] is not tokens[-1]:
        return None
    offset = len(line) - len(line.lstrip(" "))
    code = line[:offset + comments[0].start[1]].rstrip()
    newline = line[len(line.rstrip("\r\n")):]
    return code + newline, "  " + comments[0].string


def _tokens(line: str) -> list[tokenize.TokenInfo] | None:
    try:
        return [t for t in tokenize.generate_tokens(io.StringIO(line.lstrip(" ") + "\n").readline)
                if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                  tokenize.DEDENT, tokenize.ENDMARKER)]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None


def _pairs(tokens: list[tokenize.TokenInfo]) -> list[tuple[int, int]]:
    """The top-level bracket pairs of a line, as (opener, closer) token indexes."""
    pairs: list[tuple[int, int]] = []
    level = 0
    opener = -1
    for index, tok in enumerate(tokens):
        if tok.type != tokenize.OP:
            continue
        if tok.string in _OPEN:
            if level == 0:
                opener = index
            level += 1
        elif tok.string in _CLOSE:
            level -= 1
            if level == 0 and opener >= 0:
                pairs.append((opener, index))
    return pairs


def _split(line: str, limit: int, depth: int = 0) -> list[str] | None:
    """Split one over-long line at a top-level bracket pair (see the module docstring): the
    last one whose head and tail fit (`f(...).addErrback(g)` splits inside `f(...)` when
    the head up to `addErrback(` is itself too long), the body one indent deeper."""
    if depth > 8:
        return None
    indent = line[:len(line) - len(line.lstrip(" "))]
    body_text = line[len(indent):]
    tokens = _tokens(body_text)
    if not tokens:
        return None
    pairs = list(reversed(_pairs(tokens)))
    if tokens[0].string == "def" or [t.string for t in tokens[:2]] == ["async", "def"]:
        pairs.sort(key=lambda pair: pair[0])  # a signature splits at its parameters
    for opener, closer in pairs:
        if opener + 1 == closer:
            continue
        open_col = tokens[opener].end[1]
        close_col = tokens[closer].start[1]
        head = indent + body_text[:open_col]
        tail = indent + body_text[close_col:]
        if len(head) > limit or len(tail) > limit:
            continue
        inner = body_text[open_col:close_col].strip()
        return [head, *_body(indent + INDENT, inner, limit, depth), tail]
    return None


def _body(deeper: str, inner: str, limit: int, depth: int) -> list[str]:
    """A bracket's content one indent deeper: on one line when it fits, else one item per
    line with a trailing comma (an item still too long split in turn)."""
    if len(deeper) + len(inner) <= limit:
        return [deeper + inner]
    items = _items(inner)
    if items is None:
        parts = _comprehension_parts(inner)
        if parts is not None and all(len(deeper) + len(p) <= limit for p in parts):
            return [deeper + p for p in parts]  # `x\nfor x in xs\nif x`, as black does
        return (_split(deeper + inner, limit, depth + 1)
                or _split_string(deeper + inner, limit) or [deeper + inner])
    out: list[str] = []
    for item in items:
        text = deeper + item + ","
        if len(text) > limit:
            nested = _split(deeper + item, limit, depth + 1) or _split_string(text, limit)
            if nested is not None:
                if not nested[-1].endswith(","):
                    nested[-1] += ","
                out.extend(nested)
                continue
        out.append(text)
    return out


_STRING_HEAD = re.compile(r"([rRbBuUfF]{0,2})(['\"])")


def _split_string(line: str, limit: int) -> list[str] | None:
    """An over-long line that is one string (a trailing comma at most), an item of the
    brackets it sits in, as strings concatenated implicitly, each on a line of its own within
    the limit: split after a space or at an f-string's replacement field, never inside one,
    as a person breaks a long message. `f'{x} ({y}): {z}'` becomes `f'{x} ({y}): '` and
    `f'{z}'`; a piece without a field loses its `f`. None when it is not such a line or
    has no such place; the caller checks the tree is unchanged (adjacent strings are one)."""
    indent = line[:len(line) - len(line.lstrip(" "))]
    code = line[len(indent):]
    comma = ""
    if code.endswith(","):
        code, comma = code[:-1], ","
    head = _STRING_HEAD.match(code)
    if head is None or code[head.end():head.end() + 2] == head.group(2) * 2:
        return None  # not a string, or a triple-quoted one
    prefix, quote = head.groups()
    lowered = prefix.lower()
    content = code[head.end():-1]
    if not code.endswith(quote) or len(code) < head.end() + 1:
        return None
    cuts = _string_cuts(content, quote, fstring="f" in lowered)
    if cuts is None:
        return None
    room = limit - len(indent) - len(prefix) - 2
    pieces: list[str] = []
    start = 0
    while len(content) - start + len(comma) > room:
        fitting = [c for c in cuts if start < c <= start + room]
        if not fitting:
            break
        pieces.append(content[start:fitting[-1]])
        start = fitting[-1]
    if not pieces:
        return None
    pieces.append(content[start:])
    out: list[str] = []
    for piece in pieces:
        own = prefix
        if "f" in lowered and "{" not in piece and "}" not in piece:
            own = prefix.replace("f", "").replace("F", "")
        out.append(f"{indent}{own}{quote}{piece}{quote}")
    out[-1] += comma
    return out


def _string_cuts(content: str, quote: str, fstring: bool) -> list[int] | None:
    """The offsets in a one-line string's `content` where it may be cut in two: after a
    space, and (in an f-string) before and after a replacement field, never inside a field
    nor an escape. None when the content is not what it seems (an unclosed field)."""
    cuts: list[int] = []
    i = 0
    depth = 0
    while i < len(content):
        c = content[i]
        if depth == 0:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                return None  # the string ends here: the line is more than one string
            if fstring and c in "{}":
                if content[i + 1:i + 2] == c:  # `{{`, `}}`: a brace of the text
                    i += 2
                    continue
                if c == "}":
                    return None
                if i:
                    cuts.append(i)
                depth = 1
            elif c == " " and i + 1 < len(content):
                cuts.append(i + 1)
            i += 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0 and i + 1 < len(content):
                cuts.append(i + 1)
        elif c in "'\"":
            end = content.find(c, i + 1)
            if end < 0 or c == quote:
                return None
            i = end
        i += 1
    return None if depth else sorted(set(cuts))


def _comprehension_parts(inner: str) -> list[str] | None:
    """A comprehension's element and its top-level `for`/`if` clauses, or None."""
    tokens = _tokens(inner)
    if tokens is None:
        return None
    cuts: list[int] = []
    level = 0
    seen_for = False
    for index, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in _OPEN:
            level += 1
        elif tok.type == tokenize.OP and tok.string in _CLOSE:
            level -= 1
        elif level == 0 and tok.type == tokenize.NAME and tok.string in ("for", "async"):
            if tok.string == "async" or not (index and tokens[index - 1].string == "async"):
                cuts.append(tok.start[1])
                seen_for = True
        elif level == 0 and tok.type == tokenize.NAME and tok.string == "if" and seen_for:
            cuts.append(tok.start[1])
    if not cuts:
        return None
    parts = [inner[:cuts[0]].strip()]
    for start, end in zip(cuts, [*cuts[1:], len(inner)], strict=True):
        parts.append(inner[start:end].strip())
    return parts if all(parts) else None


def _items(inner: str) -> list[str] | None:
    """The top-level comma-separated items of a bracket's content (a lambda's parameters
    are one item), None when there is only one: no trailing comma is added to a single
    item, where it could make a tuple of it."""
    tokens = _tokens(inner)
    if tokens is None:
        return None
    cuts: list[int] = []
    level = 0
    in_lambda = 0
    for tok in tokens:
        if tok.type == tokenize.OP and tok.string in _OPEN:
            level += 1
        elif tok.type == tokenize.OP and tok.string in _CLOSE:
            level -= 1
        elif level == 0 and tok.type == tokenize.NAME and tok.string == "lambda":
            in_lambda += 1
        elif level == 0 and tok.string == ":" and in_lambda:
            in_lambda -= 1
        elif level == 0 and tok.string == "," and not in_lambda:
            cuts.append(tok.start[1])
    if not cuts:
        return None
    items: list[str] = []
    start = 0
    for cut in cuts:
        items.append(inner[start:cut].strip())
        start = cut + 1
    last = inner[start:].strip()
    if last:
        items.append(last)
    if any(not item for item in items):
        return None
    return items
