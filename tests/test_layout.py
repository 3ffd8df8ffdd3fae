"""The changed statements are laid out as the project lays out code: continuation lines
follow the bracket they were aligned with, no added line runs past the project's limit
(unless the line it replaces already did), and the project's formatter formats only the
changed lines when it is asked for and present."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from helpers import write
from txasync.config import Config
from txasync.engine import fix_text
from txasync.rewrite import formatter
from txasync.rewrite.layout import tidy
from txasync.style import project_style, style_for

HEAD = "from twisted.internet import defer\n\n\n"


def _fix(tmp_path: Path, source: str, pyproject: str = "") -> str:
    if pyproject:
        write(tmp_path / "pyproject.toml", pyproject)
    path = write(tmp_path / "mod.py", source)
    out, _ = fix_text(source, str(path), Config(twisted_version=(26, 10)))
    return out


def _added_over(old: str, new: str, limit: int) -> list[str]:
    before = set(old.splitlines())
    return [line for line in new.splitlines() if line not in before and len(line) > limit]


def test_continuation_lines_follow_the_bracket_they_were_aligned_with(tmp_path: Path) -> None:
    source = HEAD + (
        "@defer.inlineCallbacks\n"
        "def fetch(client, key,\n"
        "          default=None):\n"
        "    value = yield client.get(key,\n"
        "                             default)\n"
        "    return value\n")
    out = _fix(tmp_path, source)
    assert "async def fetch(client, key,\n                default=None):\n" in out
    assert ("    value = await defer.maybeDeferred(client.get, key,\n"
            "                                      default)\n") in out


def test_lines_stay_within_the_projects_line_length(tmp_path: Path) -> None:
    source = HEAD + (
        "@defer.inlineCallbacks\n"
        "def fetch(client, key):\n"
        "    value = yield client.get_the_value_for(key, 'default-value', timeout=30)\n"
        "    return value\n\n\n"
        "def start(client, keys):\n"
        "    d = defer.gatherResults([fetch(client, k) for k in keys], consumeErrors=1)\n"
        "    return d\n")
    out = _fix(tmp_path, source, "[tool.black]\nline-length = 80\n")
    assert project_style(str(tmp_path)).line_length == 80
    assert not _added_over(source, out, 80), out
    assert ("    value = await defer.maybeDeferred(\n"
            "        client.get_the_value_for, key, 'default-value', timeout=30\n"
            "    )\n") in out
    assert ast.dump(ast.parse(out))  # parses
    # fix twice = fix once
    assert _fix(tmp_path, out) == out


def test_an_item_per_line_when_the_body_does_not_fit() -> None:
    long_args = ", ".join(f"argument_number_{i}" for i in range(6))
    old = "x = 1\n"
    new = f"    value = await defer.maybeDeferred(client.get, {long_args})\n"
    out = tidy(old, "def f():\n" + new, 60)
    assert out == (
        "def f():\n"
        "    value = await defer.maybeDeferred(\n"
        "        client.get,\n"
        + "".join(f"        argument_number_{i},\n" for i in range(6))
        + "    )\n")


def test_a_line_already_over_the_limit_is_left_as_the_rewrite_made_it(tmp_path: Path) -> None:
    # `yield` and `await` are as long: the author's long line stays theirs.
    source = HEAD + (
        "@defer.inlineCallbacks\n"
        "def fetch(client, key):\n"
        "    value = yield client.get_a_value(key, 'a very long default value that is past')\n"
        "    return value\n\n\n"
        "def get_a_value(key, default):\n"
        "    return defer.succeed(default)\n")
    out = _fix(tmp_path, source.replace("client.get_a_value", "get_a_value"),
               "[tool.ruff]\nline-length = 60\n")
    assert ("    value = await get_a_value(key, 'a very long default value that is past')\n"
            in out), out


def test_a_line_already_over_the_limit_the_rewrite_lengthens_is_wrapped(
        tmp_path: Path) -> None:
    source = HEAD + (
        "@defer.inlineCallbacks\n"
        "def fetch(client, key):\n"
        "    value = yield client.get(key, 'a very long default value that is already past')\n"
        "    return value\n")
    out = _fix(tmp_path, source, "[tool.ruff]\nline-length = 60\n")
    assert ("    value = await defer.maybeDeferred(\n"
            "        client.get,\n"
            "        key,\n"
            "        'a very long default value that is already past',\n"
            "    )\n") in out, out


def test_a_trailing_comment_stays_on_the_last_line(tmp_path: Path) -> None:
    source = HEAD + (
        "@defer.inlineCallbacks\n"
        "def fetch(client, key):\n"
        "    value = yield client.get(key, 'default-value')  # the usual lookup path\n"
        "    return value\n")
    out = _fix(tmp_path, source, "[tool.ruff]\nline-length = 76\n")
    assert ("    value = await defer.maybeDeferred(\n"
            "        client.get, key, 'default-value'\n"
            "    )  # the usual lookup path\n") in out


def test_a_lambdas_parameters_are_not_split() -> None:
    old = "x = 1\n"
    new = ("loop = task.LoopingCall(lambda *a, **kw: defer.ensureDeferred(poll(*a, **kw)), "
           "clock, log, state, more, and_more, and_even_more)\n")
    out = tidy(old, new, 60)
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(new))
    assert "    lambda *a, **kw: defer.ensureDeferred(poll(*a, **kw)),\n" in out


def test_layout_never_changes_the_tree() -> None:
    # a subscript's single item: no trailing comma (it would make a tuple)
    old = "x = 1\n"
    new = "value = some_mapping[compute_the_key_for(argument_one, argument_two_is_long)]\n"
    out = tidy(old, new, 40)
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(new))


def test_style_is_read_from_the_projects_configuration(tmp_path: Path) -> None:
    write(tmp_path / "a" / "setup.cfg", "[flake8]\nmax-line-length = 120\n")
    write(tmp_path / "b" / "pyproject.toml", "[tool.ruff]\nline-length = 100\n[tool.ruff.format]\n")
    write(tmp_path / "c" / "pyproject.toml", "[tool.black]\n")
    write(tmp_path / "d" / "tox.ini", "[tox]\n")
    assert style_for(str(tmp_path / "a" / "pkg" / "m.py")).line_length == 120
    b = project_style(str(tmp_path / "b"))
    assert (b.line_length, b.formatter) == (100, "ruff")
    c = project_style(str(tmp_path / "c"))
    assert (c.line_length, c.formatter) == (88, "black")
    assert project_style(str(tmp_path / "d")).line_length == 88


RUFF_PROJECT = "[tool.ruff]\nline-length = 80\n[tool.ruff.format]\nquote-style = \"double\"\n"
SOURCE = HEAD + (
    "x = {'untouched':   'line'}\n\n\n"
    "@defer.inlineCallbacks\n"
    "def fetch(client, key):\n"
    "    value = yield client.get(key, 'default-value', timeout=30, retries=3)\n"
    "    return value\n")


def _fix_with(tmp_path: Path, choice: str) -> str:
    from txasync.engine import analyse, load_project, plans_for
    from txasync.rewrite.convert import rewrite_source

    write(tmp_path / "pyproject.toml", RUFF_PROJECT)
    path = str(write(tmp_path / "mod.py", SOURCE))
    project = load_project([path], Config(twisted_version=(26, 10), root=str(tmp_path)))
    plans = plans_for(project, analyse(project))
    return rewrite_source(SOURCE, plans[path], project.facts[path], path, choice).source


@pytest.mark.skipif(shutil.which("ruff") is None and formatter.find_tool(
    "ruff", __import__("sys").executable) is None, reason="ruff is not installed here")
def test_ruff_formats_only_the_changed_lines(tmp_path: Path, monkeypatch) -> None:
    import sys

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + ":" + __import__("os").environ[
        "PATH"])
    out = _fix_with(tmp_path, "auto")
    assert "x = {'untouched':   'line'}" in out  # outside the changed lines: as it was
    assert '"default-value"' in out  # ruff's quote style, on the changed lines only
    assert not _added_over(SOURCE, out, 80)


def test_without_the_formatter_the_layout_is_txasyncs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(formatter, "find_tool", lambda name, python="": None)
    out = _fix_with(tmp_path, "auto")
    assert "x = {'untouched':   'line'}" in out
    assert "'default-value'" in out  # not reformatted
    assert not _added_over(SOURCE, out, 80)
    assert out == _fix_with(tmp_path, "none")


def test_a_line_the_rewrite_adds_is_not_excused_by_a_long_line_it_replaces() -> None:
    # The keep-API wrapper's `return` replaces nothing: the old line over the limit answers
    # for the line made from it (left as long as it was), not for the wrapper's.
    old = ("def create(reactor, request, temp_dir, gatherer, allocator):\n"
           "    intro = yield create_introducer(reactor, request, temp_dir, gatherer, port)\n")
    new = ("def create(reactor, request, temp_dir, gatherer, allocator):\n"
           "    return defer.ensureDeferred("
           "_create(reactor, request, temp_dir, gatherer, allocator))\n"
           "\n\n"
           "async def _create(reactor, request, temp_dir, gatherer, allocator):\n"
           "    intro = await create_introducer(reactor, request, temp_dir, gatherer, port)\n")
    out = tidy(old, new, 70)
    assert ("    return defer.ensureDeferred(\n"
            "        _create(reactor, request, temp_dir, gatherer, allocator)\n"
            "    )\n") in out, out
    assert ("    intro = await create_introducer(reactor, request, temp_dir, gatherer, port)\n"
            in out)


def test_a_signature_splits_at_its_parameters_not_its_return_annotation() -> None:
    old = "def enable(self, schedulerid: int, v: bool) -> Deferred[None]:\n    pass\n"
    new = ("async def __enable_scheduler(self, schedulerid: int, v: bool) -> Deferred[None]:\n"
           "    pass\n")
    assert tidy(old, new, 70) == (
        "async def __enable_scheduler(\n"
        "    self, schedulerid: int, v: bool\n"
        ") -> Deferred[None]:\n"
        "    pass\n")


def test_implicitly_concatenated_strings_are_not_joined() -> None:
    old = ("reason = (\n"
           "    f'{name} failed to stop instance '\n"
           "    f'{instance} ({self._state()}): {reason}'\n"
           ")\n")
    new = old.replace("self._state()", "defer.ensureDeferred(self._state())")
    # Each string keeps its line; the one now too long is cut, never joined to another.
    assert tidy(old, new, 50) == ("reason = (\n"
                                  "    f'{name} failed to stop instance '\n"
                                  "    f'{instance} ('\n"
                                  "    f'{defer.ensureDeferred(self._state())}): '\n"
                                  "    f'{reason}'\n"
                                  ")\n")


def test_an_item_of_an_exploded_statement_is_split_on_its_own() -> None:
    old = ("def get(self):\n"
           "    schdicts = yield defer.DeferredList(\n"
           "        [_db2data(self.master, schdict) for schdict in schedulers],\n"
           "        consumeErrors=True,\n"
           "    )\n")
    new = ("async def get(self):\n"
           "    schdicts = await defer.DeferredList(\n"
           "        [defer.ensureDeferred(_db2data(self.master, schdict))"
           " for schdict in schedulers],\n"
           "        consumeErrors=True,\n"
           "    )\n")
    assert tidy(old, new, 80) == (
        "async def get(self):\n"
        "    schdicts = await defer.DeferredList(\n"
        "        [\n"
        "            defer.ensureDeferred(_db2data(self.master, schdict))\n"
        "            for schdict in schedulers\n"
        "        ],\n"
        "        consumeErrors=True,\n"
        "    )\n")


def test_a_trailing_pragma_comment_does_not_count_towards_the_length() -> None:
    # `# type: ignore` must stay on the line it silences; ruff's E501 and the formatters
    # leave such a line when its code fits.
    old = ("sessions.append(\n"
           "    (yield sproc.procureSession(request)),  # type: ignore[arg-type]\n"
           ")\n")
    new = old.replace("(yield sproc.procureSession(request))",
                      "(yield defer.ensureDeferred(sproc.procureSession(request)))")
    assert tidy(old, new, 70) == new


def test_a_line_moved_past_the_limit_by_realignment_is_rewrapped() -> None:
    old = ("def main(reactor):\n"
           "    resp = yield treq.get('https://httpbin.org/get',\n"
           "                          params={'foo': [1, 2, 3], 'bax': b'quux', b'bar': 'foo'})\n")
    new = ("async def main(reactor):\n"
           "    resp = await defer.maybeDeferred(treq.get, 'https://httpbin.org/get',\n"
           "                          params={'foo': [1, 2, 3], 'bax': b'quux', b'bar': 'foo'})\n")
    out = tidy(old, new, 88)
    assert all(len(line) <= 88 for line in out.splitlines()), out
    assert out == (
        "async def main(reactor):\n"
        "    resp = await defer.maybeDeferred(\n"
        "        treq.get,\n"
        "        'https://httpbin.org/get',\n"
        "        params={'foo': [1, 2, 3], 'bax': b'quux', b'bar': 'foo'},\n"
        "    )\n")


@pytest.mark.skipif(shutil.which("ruff") is None and formatter.find_tool(
    "ruff", __import__("sys").executable) is None, reason="ruff is not installed here")
def test_the_formatter_keeps_to_the_linters_limit(tmp_path: Path, monkeypatch) -> None:
    # ruff format alone would use its default 88; the project's flake8 says 60.
    import sys

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + ":" + __import__("os").environ[
        "PATH"])
    from txasync.engine import analyse, load_project, plans_for
    from txasync.rewrite.convert import rewrite_source

    write(tmp_path / "pyproject.toml", "[tool.ruff.format]\nquote-style = \"double\"\n")
    write(tmp_path / "setup.cfg", "[flake8]\nmax-line-length = 60\n")
    source = SOURCE.replace(", retries=3", "")
    path = str(write(tmp_path / "mod.py", source))
    project = load_project([path], Config(twisted_version=(26, 10), root=str(tmp_path)))
    plans = plans_for(project, analyse(project))
    out = rewrite_source(source, plans[path], project.facts[path], path, "auto").source
    assert project_style(str(tmp_path)).line_length == 60
    assert '"default-value"' in out  # formatted by ruff
    assert not _added_over(source, out, 60), out


def test_a_long_string_item_is_split_into_adjacent_strings() -> None:
    """`ensureDeferred(...)` inside an f-string of a concatenated message: the string is
    cut at a replacement field or a space (never inside a field), each piece on its own
    line within the limit; a piece without a field loses its `f`."""
    old = (
        "def f(self, reason):\n"
        "    reason = (\n"
        "        f'{self.kind} {self.worker} failed to stop instance '\n"
        "        f'{self.instance[\"Id\"]} ({self._state()}): {reason.decode()} (again)'\n"
        "    )\n"
    )
    new = old.replace("({self._state()})", "({defer.ensureDeferred(self._state())})")
    tidied = tidy(old, new, 88)
    assert _added_over(old, tidied, 88) == []
    assert ast.dump(ast.parse(tidied)) == ast.dump(ast.parse(new))
    assert tidied.splitlines()[3:6] == [
        "        f'{self.instance[\"Id\"]} ({defer.ensureDeferred(self._state())}): '",
        "        f'{reason.decode()} (again)'",
        "    )",
    ]


def test_a_string_is_not_cut_inside_a_field_or_an_escape() -> None:
    from txasync.rewrite.layout import _split_string

    assert _split_string("    f'{a + b} {c[\"x y\"]}',", 16) == ["    f'{a + b} '",
                                                                "    f'{c[\"x y\"]}',"]
    assert _split_string("    'aaaa\\ bbbb'", 12) is None  # the only space is escaped
    assert _split_string("    'a' + x + 'b'", 8) is None  # more than one string
    assert _split_string("    f'{{aa}} bb'", 14) == ["    f'{{aa}} '", "    'bb'"]
