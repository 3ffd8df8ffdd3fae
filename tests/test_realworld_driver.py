"""The real-world driver's own safety: two runs of one project in one cache directory must
not measure over each other's tree (the second stops with a setup error naming the fix)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from helpers import load_realworld_driver


def test_a_second_run_of_the_same_project_stops(tmp_path: Path) -> None:
    realworld = load_realworld_driver()
    with realworld.project_lock(tmp_path, "treq-24.9.1"):
        with pytest.raises(realworld.SetupError, match="--cache-dir"):
            with realworld.project_lock(tmp_path, "treq-24.9.1"):
                pass
        with realworld.project_lock(tmp_path, "klein-24.8.0"):
            pass  # another project in the same cache is fine
    with realworld.project_lock(tmp_path, "treq-24.9.1"):
        pass  # released when the first run ends


def _trees(tmp_path: Path, before: str, after: str) -> tuple[Path, Path]:
    orig, tree = tmp_path / "orig", tmp_path / "tree"
    for root, text in ((orig, before), (tree, after)):
        root.mkdir()
        (root / "m.py").write_text(text)
    return orig, tree


def test_the_audit_finds_a_dropped_yielded_call(tmp_path: Path) -> None:
    realworld = load_realworld_driver()
    orig, tree = _trees(
        tmp_path,
        "from twisted.internet import defer\n\n@defer.inlineCallbacks\ndef f(x):\n"
        "    yield g(x)\n",
        "async def f(x):\n    pass\n")
    assert [lost["yield"] for lost in realworld.lost_yields(orig, tree)] == ["g(x)"]


def test_the_audit_accepts_txa014s_respelling_of_succeed(tmp_path: Path) -> None:
    """`yield succeed(x)` may become `await defer.maybeDeferred(lambda: x)` where x may be a
    Failure: nothing is lost, so the audit stays clean (a real project's run said otherwise)."""
    realworld = load_realworld_driver()
    orig, tree = _trees(
        tmp_path,
        "from twisted.internet import defer\n\n@defer.inlineCallbacks\ndef f(x):\n"
        "    yield defer.succeed(x.pop())\n",
        "from twisted.internet import defer\n\nasync def f(x):\n"
        "    await defer.maybeDeferred(lambda: x.pop())\n")
    assert realworld.lost_yields(orig, tree) == []


def test_the_audit_follows_a_call_on_a_yielded_value(tmp_path: Path) -> None:
    """`(yield a(x)).get()`: the receiver's yield becomes an await, so the callee's text
    changes; the call itself is still there (a real project's run said otherwise), and a
    dropped one is still found."""
    realworld = load_realworld_driver()
    before = ("from twisted.internet import defer\n\n@defer.inlineCallbacks\ndef f(x):\n"
              "    m = yield ((yield a(x)).get(timeout=5))\n")
    orig, tree = _trees(
        tmp_path, before,
        "from twisted.internet import defer\n\nasync def f(x):\n"
        "    m = await defer.maybeDeferred((await defer.maybeDeferred(a, x)).get, timeout=5)\n")
    assert realworld.lost_yields(orig, tree) == []
    (tree / "m.py").write_text("async def f(x):\n    m = await a(x)\n")
    assert [lost["yield"] for lost in realworld.lost_yields(orig, tree)] == [
        "(yield a(x)).get(timeout=5)"]


def test_a_pytest_suite_gives_outcomes_by_node_id(tmp_path: Path) -> None:
    """A project whose runner is pytest: the suite runs for real with a JUnit XML report, and
    every test's outcome is keyed by its node id (a class, a parameter, a test inherited from
    another module, an expected failure, a teardown error after a pass, a module that does not
    import), so a rerun of the changed tests alone can name them."""
    realworld = load_realworld_driver()
    tree = tmp_path / "tree"
    (tree / "tests").mkdir(parents=True)
    (tree / "tests" / "base.py").write_text(
        "class Base:\n    def test_inherited(self):\n        pass\n")
    # A made-up project's suite, not one of ours: it has a test of every outcome pytest
    # reports (a skip and an expected failure among them, each with the reason its report
    # carries) so that the driver is seen mapping each to trial's names.
    (tree / "tests" / "test_a.py").write_text(
        "import pytest\nfrom tests.base import Base\n\n"
        "class TestC(Base):\n"
        "    def test_ok(self):\n        pass\n"
        "    def test_fail(self):\n        assert 1 == 2, 'one is not two'\n"
        "    @pytest.mark.parametrize('x', ['a.b', 'c/d'])\n"
        "    def test_param(self, x):\n        assert x != 'c/d'\n\n"
        "@pytest.fixture\ndef broken():\n    yield\n    raise RuntimeError('teardown')\n\n"
        "def test_teardown(broken):\n    pass\n\n"
        "def test_skip():\n    pytest.skip('made-up project for the driver test: a skip the "
        "driver must report as SKIPPED')\n\n"
        "@pytest.mark.xfail(strict=True, reason='made-up project for the driver test: a known "
        "failure the driver must report as TODO, as trial names it')\n"
        "def test_xfail():\n    assert False\n")
    (tree / "tests" / "test_broken.py").write_text("import nonexistent_module_xyz\n")
    (tree / "tests" / "__init__.py").write_text("")
    project = realworld.ProjectConfig(
        name="p", dist="p", version="1", package="tests", package_dir=".", deps=[],
        test_command=["-m", "pytest", "-q", "{jobs}", "{package}"], trial_jobs=1,
        timeout=120, python="python3", test_targets=["tests"], runner="pytest")
    env = dict(os.environ, PYTHONPATH=str(tree))
    ran = realworld.run_suite(project, Path(sys.executable), env, tmp_path / "run",
                              tmp_path / "log", tree=tree)
    outcomes = ran["outcomes"]
    assert outcomes == {
        "tests/test_a.py::TestC::test_inherited": "OK",
        "tests/test_a.py::TestC::test_ok": "OK",
        "tests/test_a.py::TestC::test_fail": "FAILURE",
        "tests/test_a.py::TestC::test_param[a.b]": "OK",
        "tests/test_a.py::TestC::test_param[c/d]": "FAILURE",
        "tests/test_a.py::test_teardown": "ERROR",
        "tests/test_a.py::test_skip": "SKIPPED",
        "tests/test_a.py::test_xfail": "TODO",
        "tests.test_broken": "ERROR",
    }
    assert ran["counts"]["result"] == "FAILED"
    assert ran["counts"]["failures"] == 2 and ran["counts"]["errors"] == 2
    assert "one is not two" in ran["details"]["tests/test_a.py::TestC::test_fail"][0]["detail"]
    # the node ids run again alone, from another directory
    again = realworld.run_suite(project, Path(sys.executable), env, tmp_path / "rerun",
                                tmp_path / "log2", tests=["tests/test_a.py::TestC::test_fail",
                                                          "tests/test_a.py::test_xfail"],
                                tree=tree)
    assert again["outcomes"] == {"tests/test_a.py::TestC::test_fail": "FAILURE",
                                 "tests/test_a.py::test_xfail": "TODO"}


def test_no_junit_report_is_a_crash(tmp_path: Path) -> None:
    realworld = load_realworld_driver()
    assert realworld.parse_junit(tmp_path / "missing.xml")["counts"]["result"] == "CRASHED"


# A made-up project for --probe: four yields txasync cannot prove (each receiver is an untyped
# parameter). Its tests hand them a Deferred, a plain value and a coroutine; the fourth never
# runs. Both runners the driver supports run the same tests.
_PROBED_API = '''\
from twisted.internet import defer


@defer.inlineCallbacks
def fetch(backend, key):
    value = yield backend.fetch(key)
    return value


@defer.inlineCallbacks
def peek(backend, key):
    value = yield backend.peek(key)
    return value


@defer.inlineCallbacks
def compute(backend, key):
    value = yield backend.compute(key)
    return value


@defer.inlineCallbacks
def never(backend, key):
    value = yield backend.other(key)
    return value
'''
_PROBED_TESTING = '''\
from twisted.internet import defer


class Backend:
    def fetch(self, key):
        return defer.succeed(key * 2)

    def peek(self, key):
        return key + 1

    async def compute(self, key):
        return key * 3


def result_of(d):
    seen = []
    d.addBoth(seen.append)
    return seen[0]
'''
_PROBED_TRIAL = '''\
from twisted.trial import unittest

from mproj import api
from mproj.testing import Backend, result_of


class ApiTests(unittest.TestCase):
    def test_fetch(self):
        self.assertEqual(result_of(api.fetch(Backend(), 2)), 4)

    def test_peek(self):
        self.assertEqual(result_of(api.peek(Backend(), 2)), 3)

    def test_compute(self):
        self.assertEqual(result_of(api.compute(Backend(), 2)), 6)
'''
_PROBED_PYTEST = '''\
from mproj import api
from mproj.testing import Backend, result_of


def test_fetch():
    assert result_of(api.fetch(Backend(), 2)) == 4


def test_peek():
    assert result_of(api.peek(Backend(), 2)) == 3


def test_compute():
    assert result_of(api.compute(Backend(), 2)) == 6
'''


@pytest.mark.parametrize("runner", ["trial", "pytest"])
def test_probe_mode_converts_with_the_evidence_of_the_suite_before(
        tmp_path: Path, runner: str) -> None:
    """--probe: the suite before runs under `txasync probe` and still gives every test's
    outcome; its evidence moves the yield that only saw Deferreds (and, with Twisted 24.7+,
    the one that saw a coroutine) from `maybeDeferred` to a plain `await`, and not the one
    that saw a plain value or never ran; the breakdown says which is which; the suite after
    the evidence-based fix gives the same outcomes."""
    realworld = load_realworld_driver()
    orig, tree = tmp_path / "orig", tmp_path / "tree"
    for path, text in (("mproj/__init__.py", ""), ("mproj/api.py", _PROBED_API),
                       ("mproj/testing.py", _PROBED_TESTING),
                       ("mproj/tests/__init__.py", ""),
                       ("mproj/tests/test_api.py", _PROBED_TRIAL),
                       ("ptests/test_api_pytest.py", _PROBED_PYTEST)):
        (orig / path).parent.mkdir(parents=True, exist_ok=True)
        (orig / path).write_text(text)
    shutil.copytree(orig, tree)
    pytest_runner = runner == "pytest"
    project = realworld.ProjectConfig(
        name="mproj", dist="mproj", version="1", package="mproj", package_dir=".", deps=[],
        test_command=(["-m", "pytest", "-q", "{jobs}", "{package}"] if pytest_runner
                      else ["-m", "twisted.trial", "--reporter=bwverbose", "{jobs}",
                            "{package}"]),
        trial_jobs=1, timeout=300, python="python3",
        test_targets=["ptests"] if pytest_runner else [], runner=runner)
    python = Path(sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TXASYNC_PROBE")}
    env["PYTHONPATH"] = str(tree)
    findings = realworld.txasync_check(python, tree, env, tmp_path / "check.log")
    assert sum(f["code"] == "TXA004" for f in findings) == 4

    before = realworld.run_suite(project, python, env, tmp_path / "before",
                                 tmp_path / "before.log", tree=tree,
                                 wrap=realworld.probe_argv(python, tree))
    assert set(before["outcomes"].values()) == {"OK"} and len(before["outcomes"]) == 3
    assert "inlineCallbacks functions ran" in (tmp_path / "before" / "probe.txt").read_text()
    ev = realworld.evidence_breakdown(tree, orig, findings, "26.10")
    assert ev["functions"] == 4 and ev["functions_ran"] == 3 and not ev["stale_files"]
    assert ev["unmatched_yields"] == 0 and ev["functions_not_static"] == 0
    assert {k: n for k, n in ev["verdicts"].items() if n} == {
        "awaitable": 2, "plain": 1, "never-ran": 1}
    # the same run judged for a project whose oldest Twisted hands a yielded coroutine back
    old = realworld.evidence_breakdown(tree, orig, findings, "22.8")
    assert {k: n for k, n in old["verdicts"].items() if n} == {
        "awaitable": 1, "plain": 1, "coroutine-too-old": 1, "never-ran": 1}

    realworld.fix_elsewhere(python, orig, tmp_path / "without", env, tmp_path / "fix0.log")
    without = realworld.diff_quality(orig, tmp_path / "without", ["mproj/api.py"])
    fixed = realworld.run(realworld.txasync_argv(python, "fix", "--select", realworld.SELECT,
                                                 "."), cwd=tree, env=env)
    assert fixed.returncode == 0, fixed.stderr
    with_evidence = realworld.diff_quality(orig, tree, ["mproj/api.py"])
    assert (without["awaiting_lines"], without["maybe_deferred_lines"]) == (4, 4)
    assert (with_evidence["awaiting_lines"], with_evidence["maybe_deferred_lines"]) == (4, 2)
    after = realworld.run_suite(project, python, env, tmp_path / "after",
                                tmp_path / "after.log", tree=tree)
    assert after["outcomes"] == before["outcomes"]


def test_build_isolation_off_reaches_both_pip_calls(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`build_isolation = false` (an old setup.py importing pkg_resources, which the newest
    setuptools of an isolated build no longer has) must reach the sdist's download and its
    editable install alike; by default neither gets the flag."""
    realworld = load_realworld_driver()
    config = tmp_path / "c.toml"
    config.write_text(
        '[defaults]\ntest_command = ["-m", "twisted.trial", "{package}"]\n'
        '[projects.old]\nversion = "1.0"\npackage = "old"\nbuild_isolation = false\n'
        '[projects.new]\nversion = "1.0"\npackage = "new"\n')
    projects = realworld.load_config(config)
    calls: list[list[str]] = []

    def fake_run(argv: list[str], *args: object, **kwargs: object) -> None:
        calls.append(argv)
        if "download" in argv:
            dest = Path(argv[argv.index("-d") + 1])
            name = argv[-1].split("==")[0]
            (dest / f"{name}-1.0.tar.gz").write_bytes(b"")

    monkeypatch.setattr(realworld, "run", fake_run)
    for name in ("old", "new"):
        project = projects[name]
        realworld.download_sdist(project, Path(sys.executable), tmp_path / name, tmp_path)
        realworld.install_project(Path(sys.executable), tmp_path, tmp_path,
                                  project.pip_build_args)
    flagged = ["--no-build-isolation" in argv for argv in calls]
    assert flagged == [True, True, False, False]


def test_a_local_archive_stands_in_for_the_sdist(tmp_path: Path) -> None:
    """A project not on PyPI names a source archive made by hand: the driver uses it as it
    is, and a missing one is a setup error naming the path, not a pip download."""
    realworld = load_realworld_driver()
    archive = tmp_path / "proj-1.0.tar.gz"
    config = tmp_path / "c.toml"
    config.write_text(
        '[defaults]\ntest_command = ["-m", "twisted.trial", "{package}"]\n'
        f'[projects.proj]\nversion = "1.0"\npackage = "p"\narchive = "{archive}"\n'
        'install_dir = "backend"\npackage_dir = "backend"\n')
    project = realworld.load_config(config)["proj"]
    assert project.install_dir == "backend"
    with pytest.raises(realworld.SetupError, match="proj-1.0.tar.gz"):
        realworld.download_sdist(project, Path(sys.executable), tmp_path, tmp_path)
    archive.write_bytes(b"")
    assert realworld.download_sdist(project, Path(sys.executable), tmp_path, tmp_path) == archive
    # a relative path names an archive in the cache's sdists directory
    project.archive = "proj-1.0.tar.gz"
    (tmp_path / "sdists").mkdir()
    (tmp_path / "sdists" / "proj-1.0.tar.gz").write_bytes(b"")
    assert (realworld.download_sdist(project, Path(sys.executable), tmp_path, tmp_path)
            == tmp_path / "sdists" / "proj-1.0.tar.gz")


def test_txasync_settings_reach_the_trees_pyproject(tmp_path: Path) -> None:
    """`txasync_settings` becomes a `[tool.txasync]` table txasync itself reads (appended to
    an existing pyproject.toml, whose content stays); a tree with its own table is refused."""
    from txasync.config import load_config as load_txasync_config

    realworld = load_realworld_driver()
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "pyproject.toml").write_text('[tool.towncrier]\nname = "x"')
    realworld.write_txasync_settings(tree, {"public-api": "convert"})
    text = (tree / "pyproject.toml").read_text()
    assert text.startswith('[tool.towncrier]\nname = "x"\n')
    assert load_txasync_config(str(tree)).public_api == "convert"
    with pytest.raises(realworld.SetupError, match="tool.txasync"):
        realworld.write_txasync_settings(tree, {"public-api": "keep"})
    realworld.write_txasync_settings(tree, {})  # nothing to add: untouched
    assert (tree / "pyproject.toml").read_text() == text


def test_import_findings_read_the_project_from_its_own_directory(tmp_path: Path) -> None:
    """A project whose package lies in a subdirectory (GlobaLeaks' backend/): ruff, with no
    settings of its own, takes as first-party what lies where it runs (and the file's own
    package, which backend/__init__.py makes `backend`), so run from the tree's top it would
    flag an import block sorted the project's way."""
    realworld = load_realworld_driver()
    ruff = realworld._ruff()
    if ruff is None:
        pytest.skip("ruff is not installed")
    pkg = tmp_path / "backend" / "app"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg.parent / "__init__.py").write_text("")  # as GlobaLeaks' backend/ has one
    (pkg / "m.py").write_text("import inspect\n\nfrom twisted.internet import defer\n\n"
                              "from app import x\n")
    files = ["backend/app/m.py"]
    assert realworld.import_findings(tmp_path, files, ruff) == {"backend/app/m.py": 1}
    assert realworld.import_findings(tmp_path, files, ruff, "backend") == {}


def test_a_long_line_the_rewrite_moves_is_not_a_new_one(tmp_path: Path) -> None:
    """A keep-API split moves the body below the wrapper: difflib pairs the old body's
    first line with the wrapper, so the moved line looks added in the next block. A line
    already over the limit before (the same statement, `yield` now `await`) is not one the
    conversion made too long (buildbot's test_locks.py)."""
    realworld = load_realworld_driver()
    first = ("        a, b = {} self.create_two_worker_two_builder_lock_config_for_tests("
             "mode, 1, 2, 3)")
    second = ("        {} self.assert_two_builds_created_one_after_another("
              "controllers, builder_ids, 1)")
    before = ("class C:\n    @defer.inlineCallbacks\n    def run(self, mode):\n"
              f"{first.format('yield')}\n\n{second.format('yield')}\n")
    after = ("class C:\n    def run(self, mode):\n        return defer.ensureDeferred(\n"
             "            self.__run(mode)\n        )\n\n    async def __run(self, mode):\n"
             f"{first.format('await')}\n\n{second.format('await')}\n"
             "        note = '" + "y" * 90 + "'\n")
    for name, text in (("orig", before), ("tree", after)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "m.py").write_text(text)
    quality = realworld.diff_quality(tmp_path / "orig", tmp_path / "tree", ["m.py"])
    assert quality["line_length"] == 88
    assert quality["added_lines_over_limit"] == 1  # the new assignment only


def test_an_env_value_names_the_tree(tmp_path: Path) -> None:
    """`{tree}` in an env value is the project's tree, wherever --cache-dir put it (a
    PYTHONPATH that adds a directory of system modules to the tree's own)."""
    realworld = load_realworld_driver()
    project = realworld.ProjectConfig(
        name="p", dist="p", version="1", package="p", package_dir=".", deps=[],
        test_command=[], trial_jobs=1, timeout=1, python="python3",
        env={"PYTHONPATH": "{tree}:/opt/extra", "LC_ALL": "C"})
    env = realworld.project_env(project, tmp_path / "venv", tmp_path / "tree")
    assert env["PYTHONPATH"] == f"{(tmp_path / 'tree').resolve()}:/opt/extra"
    assert env["LC_ALL"] == "C"
