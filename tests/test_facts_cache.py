"""Facts read back from the facts cache give exactly the findings a full analysis gives.

The facts cache (facts_cache.py) lets a check skip parsing files whose text it has seen;
nothing else may change. Each project here is checked three ways and compared finding by
finding (data included): afresh without caches, with the facts cache filled, and with
every file's facts read back from it (results cache removed, `extract_facts` refused);
then one file is edited and the cached run is compared with a fresh one again.
"""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest
import twisted

from helpers import IC_MODULE, write
from txasync import check_cache, engine, facts_cache
from txasync.analysis.facts import extract_facts, module_name_for
from txasync.analysis.findings import Finding
from txasync.config import load_config

HERE = Path(__file__).parent
TWISTED = Path(twisted.__file__).parent

STORE = (
    "from twisted.internet import defer\n\n\n"
    "class Store:\n"
    "    @defer.inlineCallbacks\n"
    "    def fetch(self, key):\n"
    "        value = yield defer.succeed(key)\n"
    "        return value\n\n"
    "    def other(self):\n"
    "        pass\n\n\n"
    "def use(store):\n"
    "    return store.fetch('a')\n"
)
# Files that name no inlineCallbacks function, Deferred or `defer`, and still take part:
# a method called by a computed name, a test double set over a computed attribute, a
# subclass answering every attribute, a factory telling a receiver's class.
NO_IC_NAME = {
    "app/dyn.py": "def run(obj, name):\n    result = getattr(obj, name)()\n"
                  "    result.addCallback(print)\n",
    "app/fakes.py": "from unittest.mock import Mock\n\n\ndef fake_out(obj, attr):\n"
                    "    setattr(obj, attr, Mock(return_value=None))\n",
    "app/sub.py": "from app.store import Store\n\n\nclass Quick(Store):\n"
                  "    def __getattr__(self, name):\n        return lambda *a: None\n",
    "app/factory.py": "from app.store import Store\n\n\ndef make():\n    return Store()\n",
}


def _check(root: Path, use_cache: bool, jobs: int = 1) -> list[Finding]:
    config = load_config(str(root))
    files, _ = engine.discover([str(root)], config)
    result = engine.check_files(files, config, jobs=jobs, use_cache=use_cache)
    return sorted(result.findings, key=lambda f: (f.path, f.span.line, f.span.col, f.code,
                                                  f.message))


def _refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file was parsed although its facts were cached")

    monkeypatch.setattr("txasync.engine.extract_facts", refuse)


def _same_three_ways(root: Path, monkeypatch: pytest.MonkeyPatch, edit: str) -> int:
    """Full == cached findings before and after editing `edit` (a path under `root`);
    how many findings there were."""
    full = _check(root, use_cache=False)
    assert _check(root, use_cache=True) == full  # fills the facts cache
    os.unlink(check_cache.cache_path(str(root)))
    with monkeypatch.context() as patched:
        _refuse_parsing(patched)
        assert _check(root, use_cache=True) == full
    target = root / edit
    target.write_text(target.read_text() + "\n\ndef _added_by_the_test():\n    pass\n")
    assert _check(root, use_cache=True) == _check(root, use_cache=False)
    return len(full)


def test_files_naming_no_ic_function_still_matter(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A file need not name an inlineCallbacks function to change a finding: a method
    called by a computed name is one more call that may reach it. Skipping such a file
    (a prefilter by names) would change the answer; the facts cache never skips one."""
    write(tmp_path / "pyproject.toml", '[tool.txasync]\ntwisted-version = "26.10"\n')
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "store.py", STORE)
    without = _check(tmp_path, use_cache=False)
    write(tmp_path / "app" / "dyn.py", NO_IC_NAME["app/dyn.py"])
    assert _check(tmp_path, use_cache=False) != without
    for rel, text in NO_IC_NAME.items():
        write(tmp_path / rel, text)
        assert not any(word in text for word in ("fetch", "inlineCallbacks", "defer"))
    assert _same_three_ways(tmp_path, monkeypatch, "app/factory.py") > 0


@pytest.mark.parametrize("fixture", sorted(p.name for p in (HERE / "fixtures").iterdir()))
def test_fixture_projects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          fixture: str) -> None:
    root = tmp_path / fixture
    shutil.copytree(HERE / "fixtures" / fixture, root,
                    ignore=shutil.ignore_patterns("__pycache__", ".txasync"))
    if not (root / "pyproject.toml").exists():
        write(root / "pyproject.toml", '[tool.txasync]\ntwisted-version = "26.10"\n')
    first = sorted(root.rglob("*.py"))[0]
    _same_three_ways(root, monkeypatch, str(first.relative_to(root)))


def test_golden_cases_as_one_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "pyproject.toml", '[tool.txasync]\ntwisted-version = "26.10"\n')
    for case in sorted((HERE / "golden").iterdir()):
        if (case / "before.py").is_file():
            shutil.copy(case / "before.py", tmp_path / f"golden_{case.name}.py")
    assert _same_three_ways(tmp_path, monkeypatch, "golden_chain_shapes.py") > 0


def test_twisted_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real tree: Twisted's `cred` and `words` packages (inlineCallbacks tests, stdlib
    TestCases, test doubles), as one project."""
    root = tmp_path / "tw"
    write(root / "pyproject.toml", '[tool.txasync]\ntwisted-version = "26.10"\n')
    write(root / "twisted" / "__init__.py", "")
    for package in ("cred", "words"):
        shutil.copytree(TWISTED / package, root / "twisted" / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    full = _check(root, use_cache=False)
    assert _same_three_ways(root, monkeypatch, "twisted/cred/checkers.py") > 0
    # In parallel: the cached facts are read in this process, the edited file's in a worker.
    (root / "twisted" / "words" / "__init__.py").write_text('"""Edited."""\n')
    full = _check(root, use_cache=False)
    assert _check(root, use_cache=True, jobs=2) == full
    os.unlink(check_cache.cache_path(str(root)))
    with monkeypatch.context() as patched:
        _refuse_parsing(patched)
        assert _check(root, use_cache=True, jobs=2) == full


def test_facts_parsed_in_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Enough files for worker processes: each worker sends its facts back as the bytes it
    wrote to the cache. The parent's facts, the findings and the cache entries are what one
    process makes."""
    write(tmp_path / "pyproject.toml", '[tool.txasync]\ntwisted-version = "26.10"\n')
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "store.py", STORE)
    for n in range(engine.PARALLEL_THRESHOLD + 6):
        write(tmp_path / "app" / f"user_{n}.py",
              f"from app.store import Store\n\n\ndef use_{n}(store: Store):\n"
              f"    d = store.fetch('{n}')\n    d.addCallback(print)\n    return d\n")
    config = load_config(str(tmp_path))
    files, _ = engine.discover([str(tmp_path)], config)
    alone = engine.load_project(files, config, jobs=1)
    shared = engine.load_project(files, config, jobs=2, cached_facts=True)
    assert list(shared.facts) == list(alone.facts)
    for path, facts in alone.facts.items():
        assert shared.facts[path] == facts
        assert shared.sources[path].text == alone.sources[path].text
        module, is_package = module_name_for(path)
        key = facts_cache.facts_key(alone.sources[path].text, path, module, is_package)
        assert facts_cache.load(str(tmp_path), key, path) == facts
    full = _check(tmp_path, use_cache=False)
    assert [f.data["wraps"] for f in full] == [engine.PARALLEL_THRESHOLD + 6]  # every user
    assert _check(tmp_path, use_cache=False, jobs=2) == full
    with monkeypatch.context() as patched:
        _refuse_parsing(patched)
        assert _check(tmp_path, use_cache=True, jobs=2) == full


def test_key_covers_what_facts_are_made_of(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    key = facts_cache.facts_key("x = 1\n", "/p/m.py", "m", False)
    assert key != facts_cache.facts_key("x = 2\n", "/p/m.py", "m", False)
    assert key != facts_cache.facts_key("x = 1\n", "/p/n.py", "m", False)
    assert key != facts_cache.facts_key("x = 1\n", "/p/m.py", "pkg.m", False)
    assert key != facts_cache.facts_key("x = 1\n", "/p/m.py", "m", True)
    monkeypatch.setattr(facts_cache, "code_digest", lambda: "another txasync")
    assert key != facts_cache.facts_key("x = 1\n", "/p/m.py", "m", False)


def test_planted_or_damaged_entries_are_misses(tmp_path: Path) -> None:
    """An entry that would build anything but facts is refused, never run."""
    path = str(tmp_path / "m.py")
    module, is_package = module_name_for(path)
    facts = extract_facts(IC_MODULE, path, module, is_package)
    key = facts_cache.facts_key(IC_MODULE, path, module, is_package)
    assert facts_cache.store(str(tmp_path), key, facts)
    assert facts_cache.load(str(tmp_path), key, path) == facts
    assert facts_cache.load(str(tmp_path), key, str(tmp_path / "other.py")) is None
    entry = Path(facts_cache.facts_dir(str(tmp_path))) / key
    marker = tmp_path / "ran"
    entry.write_bytes(pickle.dumps(_Planted(str(marker))))
    assert facts_cache.load(str(tmp_path), key, path) is None
    assert not marker.exists()
    entry.write_bytes(b"not a pickle")
    assert facts_cache.load(str(tmp_path), key, path) is None
    assert (tmp_path / ".txasync" / "cache" / ".gitignore").read_text() == "*\n"


class _Planted:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (Path(self.marker),))  # type: ignore[arg-type]


class _PlantedThroughBuilder(_Planted):
    """A planted entry going through the function shared records unpickle with."""

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        from txasync.analysis import model

        return (model.shared_ref, (Path.touch, (Path(self.marker),)))


SHARING = (
    "from twisted.internet import defer\n\n\n"
    + "".join(f"@defer.inlineCallbacks\ndef f{n}(d):\n    yield d.addCallback(str)\n"
              f"    yield self_check(d)\n\n\n" for n in range(120))
)


def _callees(facts: object) -> list[object]:
    return [site.callee for site in facts.calls  # type: ignore[attr-defined]
            if site.callee.text == "d.addCallback"]


def test_equal_records_are_one_object_fresh_and_read_back(tmp_path: Path) -> None:
    """Equal callee records (and the line numbers of spans) are shared objects, whether
    the walker made them or they were read back from the cache: on a big tree that is a
    fifth of the facts' memory. Sharing must not change the facts: the cached ones equal
    the fresh ones."""
    path = str(tmp_path / "m.py")
    module, is_package = module_name_for(path)
    fresh = extract_facts(SHARING, path, module, is_package)
    callees = _callees(fresh)
    assert len(callees) == 120 and all(c is callees[0] for c in callees)
    key = facts_cache.facts_key(SHARING, path, module, is_package)
    assert facts_cache.store(str(tmp_path), key, fresh)
    loaded = facts_cache.load(str(tmp_path), key, path)
    assert loaded == fresh
    again = _callees(loaded)
    assert all(c is again[0] for c in again)
    lines = [f.span.line for f in loaded.functions if f.span.line > 256]
    twins = [f.span.line for f in fresh.functions if f.span.line > 256]
    assert lines and all(a is b for a, b in zip(lines, twins, strict=True))
    # The table of shared callees holds nobody's records alive: once no facts hold a
    # callee (a text typed and then changed), it leaves the table.
    import gc

    from txasync.analysis import model

    unique = "def f(d):\n    return d.only_here_callee_7f3a()\n"
    gone = extract_facts(unique, path, module, is_package)
    assert any(k[1] == "only_here_callee_7f3a" for k in model._REFS.keys())
    del gone
    gc.collect()
    assert not any(k[1] == "only_here_callee_7f3a" for k in model._REFS.keys())
    # A planted entry cannot use that function to build anything but a record.
    entry = Path(facts_cache.facts_dir(str(tmp_path))) / key
    marker = tmp_path / "ran"
    entry.write_bytes(pickle.dumps(_PlantedThroughBuilder(str(marker))))
    assert facts_cache.load(str(tmp_path), key, path) is None
    assert not marker.exists()


def test_prune_keeps_what_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts_cache, "KEEP", 2)
    directory = Path(facts_cache.facts_dir(str(tmp_path)))
    directory.mkdir(parents=True)
    for n in range(9):
        (directory / f"k{n}").write_bytes(b"")
        os.utime(directory / f"k{n}", ns=(n * 10**9, n * 10**9))
    facts_cache.prune(str(tmp_path), ["k0", "k1"])
    assert sorted(os.listdir(directory)) == ["k0", "k1", "k7", "k8"]


def test_shape_precheck_misses_no_chain() -> None:
    """Facts skip looking for a Deferred shape in a function whose text has neither
    `return` nor `add`: every chain method's name has `add` in it, and a text that is not
    ASCII (an identifier spelled with other characters that normalise to it) is always
    looked at."""
    from txasync.analysis.shapes import CHAIN_METHODS

    assert all("add" in name for name in CHAIN_METHODS)
    for spelled in ("addCallback", "\uff41ddCallback"):  # fullwidth a: the same name
        text = f"def g():\n    pass\n\n\ndef f(h):\n    d = g()\n    d.{spelled}(h)\n"
        facts = extract_facts(text, "/p/m.py", "m", False)
        fn = facts.function("f")
        assert fn is not None and fn.shape is not None and fn.shape.kind == "chain"
