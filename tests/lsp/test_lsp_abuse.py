"""Abuse: random incremental edits, a burst of 200 changes, malformed and unknown messages.

An editor is a hostile client: it sends incremental edits in every state of half-typed code,
with astral-plane characters and CRLF, CR or mixed line ends, floods `didChange` while the
user types, and (across plugins, versions and bugs) sends requests with missing or mistyped
params.
These tests check what must hold anyway: every position the server sends lies in the
document the client has (in the negotiated encoding, never inside a character), every edit
applies cleanly and keeps valid code valid, the findings are those of the text the client
has, and every request gets an answer, after which the server still serves.
"""

from __future__ import annotations

import ast
import asyncio
import itertools
import json
import random
import re
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from lsp_support import start, uri, wait_for
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

# -- a client-side model of an LSP text document --------------------------------------------------
# Lines end at \r\n, \r or \n only (LSP and Python's tokenizer); str.splitlines() would also
# break at \f, \x1c-\x1e, \x85, U+2028 and U+2029.
BREAK = re.compile(r"\r\n|\r|\n")


def lsp_lines(text: str) -> list[str]:
    """Line contents without their endings; a text ending in a break has a last empty line."""
    return BREAK.split(text)


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in BREAK.finditer(text)]


def width(ch: str, encoding: str) -> int:
    """Code units of one character in a position encoding."""
    if encoding == "utf-16":
        return 2 if ord(ch) > 0xFFFF else 1
    if encoding == "utf-8":
        return len(ch.encode("utf-8", "surrogatepass"))
    return 1


def units(s: str, encoding: str) -> int:
    return sum(width(ch, encoding) for ch in s)


def offset_of(text: str, pos: types.Position, encoding: str) -> int:
    """The string index of an LSP position; AssertionError when the position is not in the
    document (line past the end, column past the end of its line, or inside a character)."""
    lines = lsp_lines(text)
    assert 0 <= pos.line < len(lines), f"line {pos.line} of a {len(lines)}-line document"
    content = lines[pos.line]
    seen = 0
    for index, ch in enumerate(content):
        if seen == pos.character:
            return line_starts(text)[pos.line] + index
        seen += width(ch, encoding)
        assert seen <= pos.character, f"{pos} splits {ch!r} in {content!r} ({encoding})"
    assert seen == pos.character, f"{pos} past the end of {content!r} ({seen} {encoding} units)"
    return line_starts(text)[pos.line] + len(content)


def checked_span(text: str, rng: types.Range, encoding: str) -> tuple[int, int]:
    """The string indexes of a range, which must lie in the document (see offset_of)."""
    begin, end = offset_of(text, rng.start, encoding), offset_of(text, rng.end, encoding)
    assert begin <= end, f"range {rng} ends before it starts"
    return begin, end


def position_at(text: str, index: int, encoding: str) -> types.Position:
    """The LSP position of a string index (which must not sit inside a \\r\\n)."""
    starts = line_starts(text)
    line = max(i for i, s in enumerate(starts) if s <= index)
    return types.Position(line, units(text[starts[line]:index], encoding))


def apply_edits(text: str, edits: list[Any], encoding: str) -> str:
    """Apply TextEdits the way an editor does; AssertionError on out-of-range or overlapping
    edits (the LSP forbids overlapping edits in one TextDocumentEdit)."""
    spans = sorted((*checked_span(text, e.range, encoding), n, e.new_text)
                   for n, e in enumerate(edits))
    for (_, end, _, _), (begin, _, _, _) in zip(spans, spans[1:], strict=False):
        assert end <= begin, f"overlapping edits: {edits}"
    for begin, end, _, new in reversed(spans):
        text = text[:begin] + new + text[end:]
    return text


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


class Doc:
    """One open document: the client's text and version, changed with incremental edits."""

    def __init__(self, client: LanguageClient, path: Path, text: str, encoding: str) -> None:
        self.client, self.uri, self.text, self.version = client, uri(path), text, 1
        self.encoding = encoding
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=self.uri, language_id="python",
                                                 version=1, text=text)))

    def change(self, changes: list[tuple[types.Range, str]]) -> None:
        """One didChange with these content changes, applied in order (as the LSP says)."""
        for rng, new in changes:
            begin, end = checked_span(self.text, rng, self.encoding)
            self.text = self.text[:begin] + new + self.text[end:]
        self.version += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=self.uri,
                                                                version=self.version),
            content_changes=[types.TextDocumentContentChangePartial(range=r, text=t)
                             for r, t in changes]))

    def replace(self, begin: int, end: int, new: str) -> None:
        """Replace text[begin:end] with one incremental change."""
        self.change([(types.Range(position_at(self.text, begin, self.encoding),
                                  position_at(self.text, end, self.encoding)), new)])

    def become(self, new: str) -> None:
        """Move to `new` with one minimal incremental change (common prefix and suffix)."""
        old = self.text
        prefix = 0
        while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < min(len(old), len(new)) - prefix
               and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]):
            suffix += 1
        # Never cut a \r\n in two (a position cannot point between \r and \n).
        if 0 < prefix < len(old) and old[prefix - 1] == "\r" and old[prefix] == "\n":
            prefix -= 1
        end = len(old) - suffix
        if 0 < end < len(old) and old[end - 1] == "\r" and old[end] == "\n":
            suffix -= 1
            end += 1
        self.replace(prefix, end, new[prefix:len(new) - suffix])

    @property
    def identifier(self) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri)


def boundaries(text: str) -> list[int]:
    """String indexes an editor can put a cursor at (not between \\r and \\n)."""
    return [i for i in range(len(text) + 1)
            if not (0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n")]


# -- documents and edits --------------------------------------------------------------------------
LABELS = ["𝔘𝔫𝔦😀", "€ü", "日本語", "😀😀x", "e\u0301", "plain"]
# Line breaks in snippets ("\n") are written in the document's style (see random_edit).
SNIPPETS = ["x", " ", "    ", "\n", "(", "d", "yield ", "return ", ":", "\n\n",
            "defer.returnValue(1)", "# 𝔘𝔫𝔦😀 comment\n", "'😀'", "'\x85'",
            "\x0c\n", "# page\u2028break\n",  # line breaks for str.splitlines only
            "\n@defer.inlineCallbacks\ndef extra(d):\n    r = yield d\n    defer.returnValue(r)\n",
            "\ndef caller(d):\n    return fetch0(d).addCallback(print)\n"]
INVALID = ["def (", "(", "[1, 2", "yield x\n", ")", "if:", "\tpass\n", "@\n", "lambda:", "'''"]
# The line breaks inserted into a document of each style: LF and CRLF documents get both
# (mixed endings are common after pasting), CR documents (classic Mac) get all three.
BREAKS = {"\n": ["\n", "\r\n"], "\r\n": ["\r\n", "\n"], "\r": ["\r", "\n", "\r\n"]}


def module_text(rng: random.Random, newline: str) -> str:
    """inlineCallbacks functions with yields and returnValue, and callers that need a wrap;
    astral-plane characters before the returnValue on the same line (columns differ by
    encoding there)."""
    lines = ["from twisted.internet import defer", "", ""]
    for n in range(rng.randint(2, 4)):
        label = rng.choice(LABELS)
        lines += ["@defer.inlineCallbacks", f"def fetch{n}(d):", f"    # {label}",
                  "    x = yield d", f"    label = {label!r}; defer.returnValue(x)", "", "",
                  f"def use{n}(d):", f"    return fetch{n}(d).addCallback(print)", "", ""]
    return newline.join(lines[:-1])


def random_edit(rng: random.Random, doc: Doc, style: str, last_valid: str) -> str:
    """Apply one random edit to `doc` (line breaks as BREAKS[style] allows); its name, for
    failure messages. "undo" goes back to `last_valid`, the last text that parsed, as a user
    does after a half-typed statement."""
    cuts = boundaries(doc.text)
    at = rng.choice(cuts)
    to = rng.choice([c for c in cuts if at <= c <= at + rng.choice([1, 3, 12, 40])])
    kind = rng.choices(["insert", "delete", "invalid", "unicode", "newline", "undo", "restore"],
                       weights=[5, 4, 3, 2, 2, 5, 2])[0]
    newline = rng.choice(BREAKS[style])
    if kind == "insert":
        doc.replace(at, at, rng.choice(SNIPPETS).replace("\n", newline))
    elif kind == "delete":
        doc.replace(at, to, "")
    elif kind == "invalid":
        doc.replace(at, to, rng.choice(INVALID).replace("\n", newline))
    elif kind == "unicode":
        doc.replace(at, to, rng.choice(LABELS))
    elif kind == "newline":
        doc.replace(at, at, newline)
    elif kind == "undo":
        doc.become(last_valid)
    else:
        doc.become(module_text(rng, newline))
    return kind


# -- what every answer must satisfy ---------------------------------------------------------------
def _is_defer(node: ast.expr, attr: str) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == attr
            and isinstance(node.value, ast.Name) and node.value.id == "defer")


# A noqa comment as txasync reads it: bare, it silences every code on its line, else the
# codes it lists.
NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)


def silenced(line: str) -> set[str] | None:
    """The codes a noqa comment on `line` silences (None: all of them)."""
    match = NOQA.search(line)
    if match is None:
        return set()
    codes = match.group("codes")
    return None if not codes else {c.upper() for c in re.split(r"[,\s]+", codes) if c}


class Expected:
    """What the diagnostics of a parsing text must be, computed with `ast`."""

    def __init__(self, text: str) -> None:
        tree = ast.parse(text)
        lines = lsp_lines(text)
        self.functions: set[tuple[int, str]] = set()  # (line, name): TXA001 or TXA002
        # A noqa for TXA001 (or TXA002) only: the other code may still be reported.
        self.maybe: set[tuple[int, str]] = set()
        self.returns: set[int] = set()  # lines of returnValue in them: TXA003 each
        if not any(isinstance(node, ast.ImportFrom) and node.module == "twisted.internet"
                   and any(a.name == "defer" and a.asname is None for a in node.names)
                   for node in tree.body):
            return  # `defer` is not Twisted's: no inlineCallbacks functions at all
        for node in ast.walk(tree):
            if not (isinstance(node, ast.FunctionDef)
                    and any(_is_defer(d, "inlineCallbacks") for d in node.decorator_list)):
                continue
            codes = silenced(lines[node.lineno - 1])
            if codes is not None and not codes & {"TXA001", "TXA002"}:
                self.functions.add((node.lineno - 1, node.name))
            elif codes is not None and not {"TXA001", "TXA002"} <= codes:
                self.maybe.add((node.lineno - 1, node.name))
            for stmt in node.body:
                for inner in ast.walk(stmt):
                    if isinstance(inner, ast.Call) and _is_defer(inner.func, "returnValue"):
                        codes = silenced(lines[inner.lineno - 1])
                        if codes is not None and "TXA003" not in codes:
                            self.returns.add(inner.lineno - 1)


def check_diagnostics(text: str, version: int, encoding: str,
                      items: list[types.Diagnostic]) -> None:
    """Diagnostics fit the client's `text` at `version`: every range in it (in `encoding`);
    each TXA001/TXA002 on the name of a function defined on its line (findings of this text,
    not of an older one); for parsing text, exactly the expected functions and returnValue
    lines (nothing left over from a previous text)."""
    named: set[tuple[int, str]] = set()
    returns: set[int] = set()
    for diag in items:
        begin, end = checked_span(text, diag.range, encoding)
        assert diag.data["version"] == version, (diag.data, version)
        if diag.code in ("TXA001", "TXA002"):
            name = text[begin:end]
            assert name.isidentifier() and f"`{name}`" in diag.message, (name, diag.message)
            assert re.search(rf"\bdef\s+{re.escape(name)}\b",
                             lsp_lines(text)[diag.range.start.line]), diag
            named.add((diag.range.start.line, name))
        elif diag.code == "TXA003":
            assert "returnValue" in text[begin:end], (text[begin:end], diag)
            returns.add(diag.range.start.line)
    if parses(text):
        expected = Expected(text)
        assert expected.functions <= named <= expected.functions | expected.maybe, (
            sorted(named), sorted(expected.functions), sorted(expected.maybe))
        assert returns == expected.returns, (sorted(returns), sorted(expected.returns))


def document_edits(doc: Doc, edit: types.WorkspaceEdit) -> list[Any]:
    """The edits of `doc` in a WorkspaceEdit (checking the version it was computed for)."""
    found: list[Any] = []
    for change in edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit), change
        assert change.text_document.uri == doc.uri, change.text_document.uri
        assert change.text_document.version == doc.version
        found.extend(change.edits)
    for u, edits in (edit.changes or {}).items():
        assert u == doc.uri, u
        found.extend(edits)
    return found


async def request(client: LanguageClient, method: str, params: Any) -> Any:
    """A request that must be answered (a server that drops it hangs the editor's UI)."""
    return await asyncio.wait_for(client.protocol.send_request_async(method, params), 60)


def guarded_errors(client: LanguageClient) -> list[str]:
    """Exceptions the server caught in a handler (logged), and pygls's "Error in server"."""
    logged = [m.message for m in client.log_messages if "txasync: error in" in m.message]
    shown = [m.message for m in client.messages if "Error in server" in m.message]
    return logged + shown


# -- 1. random edit sequences, and the cases they found -------------------------------------------
async def exercise(client: LanguageClient, doc: Doc, rng: random.Random, resolves: bool
                   ) -> dict[str, int]:
    """Diagnostics, code actions (resolved, some applied) and a hover on the current text;
    counts of what happened."""
    stats = {"actions": 0, "applied": 0, "hovers": 0, "valid": 0}
    report = await request(client, types.TEXT_DOCUMENT_DIAGNOSTIC,
                           types.DocumentDiagnosticParams(text_document=doc.identifier))
    assert report.kind == "full"
    items = list(report.items)
    check_diagnostics(doc.text, doc.version, doc.encoding, items)
    valid = parses(doc.text)
    stats["valid"] += valid

    # Code actions for a random span, or for a convertible function's name.
    cuts = boundaries(doc.text)
    first = rng.choice(cuts)
    last = rng.choice([c for c in cuts if first <= c <= first + 80])
    names = [d for d in items if d.code == "TXA001"]
    if names and rng.random() < 0.5:
        span = rng.choice(names).range
    else:
        span = types.Range(position_at(doc.text, first, doc.encoding),
                           position_at(doc.text, last, doc.encoding))
    echoed = [d for d in items if d.range.start.line == span.start.line]
    actions = await request(client, types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionParams(
        text_document=doc.identifier, range=span,
        context=types.CodeActionContext(diagnostics=echoed)))
    candidates: list[str] = []
    for action in actions or []:
        assert isinstance(action, types.CodeAction), action
        for diag in action.diagnostics or []:
            checked_span(doc.text, diag.range, doc.encoding)
        if action.edit is None and action.data is not None and resolves and (
                action.kind == types.CodeActionKind.QuickFix or rng.random() < 0.3):
            action = await request(client, types.CODE_ACTION_RESOLVE, action)
        if action.edit is None:
            continue
        stats["actions"] += 1
        assert valid, f"an edit offered for text that does not parse: {action.title}"
        after = apply_edits(doc.text, document_edits(doc, action.edit), doc.encoding)
        assert parses(after), f"{action.title} broke the code:\n{after}"
        candidates.append(after)
    if candidates and rng.random() < 0.6:
        doc.become(rng.choice(candidates))  # the user picks one (sent as a minimal change)
        stats["applied"] += 1

    # Hover at a random place, or on a convertible function's name.
    if names and rng.random() < 0.5:
        where = rng.choice(names).range.start
    else:
        where = position_at(doc.text, rng.choice(boundaries(doc.text)), doc.encoding)
    hover = await request(client, types.TEXT_DOCUMENT_HOVER, types.HoverParams(
        text_document=doc.identifier, position=where))
    if hover is not None:
        stats["hovers"] += 1
        assert "**txasync**" in hover.contents.value
        if hover.range is not None:
            begin, end = checked_span(doc.text, hover.range, doc.encoding)
            name = doc.text[begin:end]
            assert name.isidentifier() and f":{name}`" in hover.contents.value.split("\n")[0]
    return stats


@pytest.mark.parametrize(("profile", "seed", "style"), [
    ("visual-studio-code", 1, "\r\n"),  # UTF-16; edits resolved lazily
    ("neovim", 2, "\n"),  # UTF-8
    ("emacs", 3, "\r"),  # UTF-32; edits computed with the action list
])
async def test_random_incremental_edits(client, tmp_path, profile, seed, style):
    """60 random incremental edits per seed: insertions, deletions, invalid syntax, astral
    characters, line breaks of every style, undo, whole-module rewrites, applied code actions.
    After each one the diagnostics, code actions and a hover must fit the client's text."""
    rng = random.Random(seed)
    path = tmp_path / "mod.py"
    text = module_text(rng, style)
    path.write_bytes(text.encode("utf-8"))
    result = await start(client, profile, tmp_path, pull=True)
    assert result.capabilities.diagnostic_provider is not None
    encoding = client.editor.encoding
    assert encoding == {"visual-studio-code": "utf-16", "neovim": "utf-8",
                        "emacs": "utf-32"}[profile]
    doc = Doc(client, path, text, encoding)
    totals = {"actions": 0, "applied": 0, "hovers": 0, "valid": 0}
    history: list[str] = []
    last_valid = text
    for step in range(60):
        history.append(random_edit(rng, doc, style, last_valid))
        try:
            stats = await exercise(client, doc, rng, resolves=profile != "emacs")
        except AssertionError as exc:
            raise AssertionError(f"step {step} after {history[-5:]}, text:\n{doc.text!r}"
                                 ) from exc
        for k, v in stats.items():
            totals[k] += v
        if parses(doc.text):
            last_valid = doc.text
    assert guarded_errors(client) == []
    # The sequence did reach the interesting states, not 60 syntax errors in a row.
    assert totals["valid"] > 10 and totals["actions"] > 5 and totals["applied"] > 0, totals
    assert totals["hovers"] > 0, totals


async def test_form_feed_and_unicode_line_separators(client, tmp_path):
    """Form feed (Emacs page breaks, common in old Python code), U+2028 and \\x85 do not end
    lines in LSP or Python; an incremental edit below them must land on the line the client
    means."""
    path = tmp_path / "paged.py"
    text = ("\x0c\nfrom twisted.internet import defer\n# page\u2028break \x85 here\n\n\n"
            "@defer.inlineCallbacks\ndef fetch(d):\n    x = yield d\n"
            "    defer.returnValue(x)\n")
    path.write_text(text, encoding="utf-8")
    await start(client, "visual-studio-code", tmp_path, pull=True)
    doc = Doc(client, path, text, client.editor.encoding)
    at = doc.text.index("fetch(")
    doc.replace(at, at + len("fetch"), "renamed")
    report = await request(client, types.TEXT_DOCUMENT_DIAGNOSTIC,
                           types.DocumentDiagnosticParams(text_document=doc.identifier))
    # TXA001 on `renamed`, TXA003 on its returnValue: where the client has them.
    check_diagnostics(doc.text, doc.version, doc.encoding, list(report.items))
    assert {d.code for d in report.items} >= {"TXA001", "TXA003"}


async def test_noqa_after_a_lone_carriage_return(client, tmp_path):
    """"Disable TXA001 for this line" in a document with classic-Mac (\\r) line ends must
    silence TXA001 (the facts once read `# noqa` comments with \\n-only lines)."""
    path = tmp_path / "mac.py"
    text = ("from twisted.internet import defer\r\r\r@defer.inlineCallbacks\rdef fetch(d):\r"
            "    x = yield d\r    return x\r")
    path.write_bytes(text.encode())
    await start(client, "neovim", tmp_path, pull=True)
    doc = Doc(client, path, text, client.editor.encoding)

    async def pull() -> list[types.Diagnostic]:
        report = await request(client, types.TEXT_DOCUMENT_DIAGNOSTIC,
                               types.DocumentDiagnosticParams(text_document=doc.identifier))
        check_diagnostics(doc.text, doc.version, doc.encoding, list(report.items))
        return list(report.items)

    found = [d for d in await pull() if d.code == "TXA001"]
    assert len(found) == 1
    actions = await request(client, types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionParams(
        text_document=doc.identifier, range=found[0].range,
        context=types.CodeActionContext(diagnostics=found)))
    disable = next(a for a in actions if a.title == "Disable TXA001 for this line")
    doc.become(apply_edits(doc.text, document_edits(doc, disable.edit), doc.encoding))
    assert "def fetch(d):  # noqa: TXA001\r" in doc.text
    assert [d for d in await pull() if d.code == "TXA001"] == []


def clamp(text: str, pos: types.Position, encoding: str) -> types.Position:
    """What a position past the end means: the LSP says a character past the end of its
    line is the end of the line; a line past the end is taken as the end of the document
    (as vscode-languageserver-node's TextDocument does)."""
    lines = lsp_lines(text)
    if pos.line >= len(lines):
        return types.Position(len(lines) - 1, units(lines[-1], encoding))
    return types.Position(pos.line, min(pos.character, units(lines[pos.line], encoding)))


@pytest.mark.parametrize("profile", ["visual-studio-code", "emacs"])
async def test_changes_past_the_end_of_a_line(client, tmp_path, profile):
    """Incremental changes with positions past the end of a line, or of the document: the
    server's text must stay the client's (the LSP says where such a position is)."""
    path = tmp_path / "ends.py"
    text = module_text(random.Random(5), "\r\n")
    path.write_bytes(text.encode())
    await start(client, profile, tmp_path, pull=True)
    doc = Doc(client, path, text, client.editor.encoding)
    lines = lsp_lines(doc.text)
    decorator = lines.index("@defer.inlineCallbacks")
    past = [  # (line, character past its end, text): one past, far past, past the document
        (decorator, units(lines[decorator], doc.encoding) + 1, "x"),
        (0, 10**6, "  # imports"),
        (10**6, 3, "\r\n# the end\r\n"),
    ]
    for line, character, new in past:
        pos = types.Position(line, character)
        begin, end = checked_span(doc.text, types.Range(clamp(doc.text, pos, doc.encoding),
                                                          clamp(doc.text, pos, doc.encoding)),
                                   doc.encoding)
        doc.text = doc.text[:begin] + new + doc.text[end:]
        doc.version += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri,
                                                                version=doc.version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(pos, pos), text=new)]))
        report = await request(client, types.TEXT_DOCUMENT_DIAGNOSTIC,
                               types.DocumentDiagnosticParams(text_document=doc.identifier))
        check_diagnostics(doc.text, doc.version, doc.encoding, list(report.items))
    assert "@defer.inlineCallbacksx\r\n" in doc.text and doc.text.endswith("# the end\r\n")


# -- 2. a burst of 200 changes --------------------------------------------------------------------
def burst_text(version: int, final: bool = False) -> str:
    """A module whose function names say which version it is; intermediate versions have
    4-8 inlineCallbacks functions, the final one 3 (at other lines)."""
    names = ([f"final_{i}" for i in range(3)] if final
             else [f"v{version}_{i}" for i in range(4 + version % 5)])
    lines = ["from twisted.internet import defer", ""]
    for name in names:
        lines += ["", "@defer.inlineCallbacks", f"def {name}(d):", "    x = yield d",
                  "    defer.returnValue(x)", "" if final else "# padding", ""]
    return "\n".join(lines)


def spy_on_publications(client: LanguageClient) -> list[types.PublishDiagnosticsParams]:
    """Every textDocument/publishDiagnostics from now on (pytest-lsp keeps only the last)."""
    seen: list[types.PublishDiagnosticsParams] = []
    features = client.protocol.fm.features
    keep = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def spy(params: types.PublishDiagnosticsParams) -> Any:
        seen.append(params)
        return keep(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = spy
    return seen


async def test_burst_of_200_changes(client, tmp_path):
    """200 didChange notifications back to back (versions 2..201, whole-text and incremental
    mixed), as a fast typist or a paste-and-format produces: the server publishes for the
    last version, exactly its findings, and never for a version it was not at when it
    published. It must not analyse and publish all 200 (it debounces): with nothing else
    observable about its analyses, the count of publications says so."""
    path = tmp_path / "burst.py"
    path.write_text(burst_text(1), encoding="utf-8")
    await start(client, "visual-studio-code", tmp_path)  # push diagnostics
    seen = spy_on_publications(client)
    doc = Doc(client, path, burst_text(1), client.editor.encoding)
    await wait_for(lambda: any(p.uri == doc.uri for p in seen), timeout=60)
    texts = {1: doc.text}
    for version in range(2, 202):
        new = burst_text(version, final=version == 201)
        if version % 2:
            doc.become(new)  # incremental: one range
        else:
            doc.version += 1
            doc.text = new
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri,
                                                                    version=doc.version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=new)]))
        texts[doc.version] = doc.text
    assert doc.version == 201

    await wait_for(lambda: any(p.version == 201 for p in seen), timeout=60)
    # Let any straggler arrive (a request round trip, then longer than the debounce).
    await request(client, types.TEXT_DOCUMENT_HOVER, types.HoverParams(
        text_document=doc.identifier, position=types.Position(0, 0)))
    await asyncio.sleep(1.0)
    mine = [p for p in seen if p.uri == doc.uri]
    versions = [p.version for p in mine]
    assert versions == sorted(set(versions)), versions  # never an older version after a newer
    assert versions[-1] == 201
    for published in mine:  # each publication is the findings of the text it names
        check_diagnostics(texts[published.version], published.version, doc.encoding,
                          list(published.diagnostics))
    final = [d for d in mine[-1].diagnostics if d.code == "TXA001"]
    lines = lsp_lines(texts[201])
    assert [(d.range.start.line, d.message.split("`")[1]) for d in final] == [
        (lines.index(f"def final_{i}(d):"), f"final_{i}") for i in range(3)]
    assert list(client.diagnostics[doc.uri]) == list(mine[-1].diagnostics)
    # Debounced: far fewer publications than versions.
    assert len([v for v in versions if v > 1]) <= 20, versions
    assert guarded_errors(client) == []


# -- 3. malformed params, unknown methods, binary documents ---------------------------------------
INVALID_PARAMS = -32602
METHOD_NOT_FOUND = -32601
RAW_IDS = itertools.count()


def write_raw(client: LanguageClient, body: bytes) -> None:
    """One message with any body at all (the client library would refuse to build these)."""
    client.protocol.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)


async def raw_request(client: LanguageClient, method: str, params: Any = ...) -> Any:
    """Send a request with raw JSON params (omitted when `...`); the error it is answered
    with, or its result. A request never answered fails the test (after 30 s)."""
    msg_id = f"raw-{next(RAW_IDS)}"
    future = client.protocol._request_futures[msg_id] = Future()
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not ...:
        message["params"] = params
    write_raw(client, json.dumps(message).encode())
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), 30)
    except JsonRpcException as error:
        return error
    except TimeoutError:
        raise AssertionError(f"{method} {params!r}: never answered") from None


async def test_malformed_requests_unknown_methods_and_binary_documents(client, tmp_path):
    """Every request gets an answer: a JSON-RPC error for params that do not fit the method
    (InvalidParams) or an unknown method (MethodNotFound), null or empty where the LSP allows
    (a document never opened, positions past the end); notifications nobody knows are
    ignored; documents of binary junk are served like any other. After all that the server
    still serves a normal document normally."""
    good = tmp_path / "good.py"
    good.write_text(module_text(random.Random(0), "\n") + "LABEL = '😀'\n", encoding="utf-8")
    await start(client, "visual-studio-code", tmp_path, pull=True)
    doc = Doc(client, good, good.read_text(encoding="utf-8"), client.editor.encoding)
    text_document = {"uri": doc.uri}
    somewhere = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}
    invalid = {
        "hover without a position": (types.TEXT_DOCUMENT_HOVER,
                                     {"textDocument": text_document}),
        "hover with a string line": (types.TEXT_DOCUMENT_HOVER, {
            "textDocument": text_document, "position": {"line": "zero", "character": None}}),
        "hover at a negative line": (types.TEXT_DOCUMENT_HOVER, {
            "textDocument": text_document, "position": {"line": -1, "character": -5}}),
        "hover with a list": (types.TEXT_DOCUMENT_HOVER, [doc.uri, 0, 0]),
        "hover without params": (types.TEXT_DOCUMENT_HOVER, ...),
        "codeAction without a context": (types.TEXT_DOCUMENT_CODE_ACTION, {
            "textDocument": text_document, "range": somewhere}),
        "codeAction with a number range": (types.TEXT_DOCUMENT_CODE_ACTION, {
            "textDocument": text_document, "range": 7, "context": {"diagnostics": []}}),
        "diagnostic of no document": (types.TEXT_DOCUMENT_DIAGNOSTIC, {"textDocument": None}),
        "resolve of a non-action": (types.CODE_ACTION_RESOLVE, {"kind": "quickfix"}),
        "an unknown command": (types.WORKSPACE_EXECUTE_COMMAND,
                               {"command": "txasync.doesNotExist", "arguments": []}),
    }
    for name, (method, params) in invalid.items():
        answer = await raw_request(client, method, params)
        assert isinstance(answer, JsonRpcException), (name, answer)
        assert answer.code == INVALID_PARAMS, (name, answer)
    for method in ("txasync/doesNotExist", "$/doesNotExist"):
        answer = await raw_request(client, method, {"a": 1})
        assert isinstance(answer, JsonRpcException) and answer.code == METHOD_NOT_FOUND, answer
    # Notifications nobody handles, and one that does not fit its method: no answer is due.
    client.protocol.notify("$/unknownNotification", {"x": [1, 2]})
    client.protocol.notify("txasync/unknownNotification", None)
    write_raw(client, json.dumps({"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_DID_CHANGE,
                                  "params": {"textDocument": text_document}}).encode())

    # Null or empty, where the LSP allows it.
    untitled = types.TextDocumentIdentifier(uri="untitled:Untitled-1")
    far = types.Position(10**6, 10**6)
    assert await request(client, types.TEXT_DOCUMENT_HOVER, types.HoverParams(
        text_document=untitled, position=types.Position(0, 0))) is None
    assert not await request(client, types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionParams(
        text_document=untitled, range=types.Range(far, far),
        context=types.CodeActionContext(diagnostics=[])))
    report = await request(client, types.TEXT_DOCUMENT_DIAGNOSTIC,
                           types.DocumentDiagnosticParams(text_document=untitled))
    assert report.kind == "full" and list(report.items) == []
    # Positions past the end of an open document, or in the middle of a surrogate pair, or
    # a range that ends before it starts: answers whose ranges are in the document.
    inside = types.Position(len(lsp_lines(doc.text)) - 2, len("LABEL = '") + 1)
    for position in (far, types.Position(0, 10**6), inside):
        hover = await request(client, types.TEXT_DOCUMENT_HOVER, types.HoverParams(
            text_document=doc.identifier, position=position))
        if hover is not None and hover.range is not None:
            checked_span(doc.text, hover.range, doc.encoding)
    for rng in (types.Range(types.Position(0, 0), far), types.Range(far, far),
                types.Range(types.Position(8, 3), types.Position(2, 0))):
        actions = await request(client, types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionParams(
            text_document=doc.identifier, range=rng,
            context=types.CodeActionContext(diagnostics=[])))
        for action in actions or []:
            if action.edit is not None:
                apply_edits(doc.text, document_edits(doc, action.edit), doc.encoding)
    # A didChange for a document never opened: ignored, nothing else changes.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri(tmp_path / "nope.py"),
                                                            version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="x = (")]))

    # Binary junk opened as Python: NUL bytes and U+FFFD (what VS Code makes of undecodable
    # bytes), lone surrogates (JSON allows "\udc80"), and a message whose body is not UTF-8
    # at all (dropped: it cannot be read).
    junk = tmp_path / "junk.py"
    junk.write_bytes(b"\x00\x01\xff\xfe PK\x03\x04\n")
    junk_doc = Doc(client, junk, "\x00\x01\ufffd\ufffd PK\x03\x04\n\x00", doc.encoding)
    surrogates = tmp_path / "surrogates.py"
    write_raw(client, json.dumps({"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_DID_OPEN,
                                  "params": {"textDocument": {
                                      "uri": uri(surrogates), "languageId": "python",
                                      "version": 1, "text": "x = '\udc80'\n\ud83d\n"}}}
                                 ).encode())
    write_raw(client, b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": '
                      b'{"textDocument": {"uri": "' + uri(tmp_path / "bytes.py").encode()
              + b'", "languageId": "python", "version": 1, "text": "\xff\xfe\x00"}}}')
    for u in (junk_doc.uri, uri(surrogates), uri(tmp_path / "bytes.py")):
        ident = types.TextDocumentIdentifier(uri=u)
        report = await request(client, types.TEXT_DOCUMENT_DIAGNOSTIC,
                               types.DocumentDiagnosticParams(text_document=ident))
        assert list(report.items) == [], (u, report.items)
        assert await request(client, types.TEXT_DOCUMENT_HOVER, types.HoverParams(
            text_document=ident, position=types.Position(0, 1))) is None
        assert not await request(client, types.TEXT_DOCUMENT_CODE_ACTION,
                                 types.CodeActionParams(
                                     text_document=ident, range=types.Range(far, far),
                                     context=types.CodeActionContext(diagnostics=[])))

    # Still serving the good document, with its findings where they belong.
    report = await request(client, types.TEXT_DOCUMENT_DIAGNOSTIC,
                           types.DocumentDiagnosticParams(text_document=doc.identifier))
    check_diagnostics(doc.text, doc.version, doc.encoding, list(report.items))
    convertible = [d for d in report.items if d.code == "TXA001"]
    assert convertible
    hover = await request(client, types.TEXT_DOCUMENT_HOVER, types.HoverParams(
        text_document=doc.identifier, position=convertible[0].range.start))
    assert hover is not None and "Convertible to `async def`" in hover.contents.value
    assert [m for m in client.log_messages if "txasync: error in" in m.message] == []
