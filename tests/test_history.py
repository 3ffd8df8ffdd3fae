"""`txasync progress --history` on a git repository the test builds commit by commit."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from txasync.cli import main
from txasync.config import load_config
from txasync.engine import discover, load_project
from txasync.report import chart, history
from txasync.report.history import sample, walk_history
from txasync.report.progress import summary

pytestmark = pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True)
                                .returncode != 0, reason="git is not installed")

HEADER = "from twisted.internet import defer\n"


def ic(name: str) -> str:
    """An inlineCallbacks function of 4 lines (decorator included)."""
    return f"\n\n@defer.inlineCallbacks\ndef {name}(d):\n    x = yield d\n    return x\n"


def coro(name: str) -> str:
    """An async function of 3 lines."""
    return f"\n\nasync def {name}(d):\n    x = await d\n    return x\n"


class Repo:
    """A throwaway repository with controlled commit dates."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.shas: list[str] = []
        root.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "test@example.invalid")
        self.git("config", "user.name", "test")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, date: str = "2024-01-01T12:00:00+00:00") -> str:
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        done = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True,
                              text=True, check=True)
        return done.stdout

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def commit(self, message: str, date: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, date=date)
        sha = self.git("rev-parse", "HEAD").strip()
        self.shas.append(sha)
        return sha


def build(root: Path) -> Repo:
    """Seven first-parent commits over three ISO weeks of 2024 (week 1 starts Mon Jan 1).

    Expected totals after each first-parent commit, (IC, async, IC lines, async lines):
      c1 Jan 1  add app/a.py (2 IC) and app/__init__.py      (2, 0, 8, 0)
      c2 Jan 3  add app/b.py (1 IC), README                  (3, 0, 12, 0)
      c3 Jan 9  convert a.one to async                       (2, 1, 8, 3)
      c4 Jan 10 merge branch adding app/c.py (2 IC)          (4, 1, 16, 3)
      c5 Jan 16 rename b.py -> app/rest/b.py, add broken.py  (4, 1, 16, 3), 1 unparsable
      c6 Jan 17 convert b.one, add a.three (IC); vendored    (4, 2, 16, 6)
                .venv/x.py and build/y.py are skipped
      c7 Jan 18 delete c.py                                  (2, 2, 8, 6)
    """
    repo = Repo(root)
    repo.write("app/__init__.py", "")
    repo.write("app/a.py", HEADER + ic("one") + ic("two"))
    repo.commit("c1 add a", "2024-01-01T10:00:00+00:00")
    repo.write("app/b.py", HEADER + ic("one"))
    repo.write("README.md", "inlineCallbacks everywhere\n")
    repo.commit("c2 add b", "2024-01-03T10:00:00+00:00")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app/c.py", HEADER + ic("one") + ic("two"))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "side: add c", date="2024-01-08T10:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.write("app/a.py", HEADER + coro("one") + ic("two"))
    repo.commit("c3 convert a.one", "2024-01-09T10:00:00+00:00")
    date = "2024-01-10T10:00:00+00:00"
    repo.git("merge", "-q", "--no-ff", "-m", "c4 merge feature", "feature", date=date)
    repo.shas.append(repo.git("rev-parse", "HEAD").strip())
    (repo.root / "app" / "rest").mkdir()
    repo.git("mv", "app/b.py", "app/rest/b.py")
    repo.write("app/broken.py", "async def broken(:\n")
    repo.commit("c5 move b </script> & <b>", "2024-01-16T10:00:00+00:00")
    repo.write("app/rest/b.py", HEADER + coro("one"))
    repo.write("app/a.py", HEADER + coro("one") + ic("two") + ic("three"))
    repo.write(".venv/x.py", HEADER + ic("vendored"))
    repo.write("build/y.py", HEADER + ic("built"))
    repo.commit("c6 convert b.one, add a.three", "2024-01-17T10:00:00+00:00")
    repo.git("rm", "-q", "app/c.py")
    repo.commit("c7 drop c", "2024-01-18T10:00:00+00:00")
    return repo


EXPECTED = [(2, 0, 8, 0), (3, 0, 12, 0), (2, 1, 8, 3), (4, 1, 16, 3), (4, 1, 16, 3),
            (4, 2, 16, 6), (2, 2, 8, 6)]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return build(tmp_path_factory.mktemp("history") / "repo")


def totals(points: list[history.Point]) -> list[tuple[int, int, int, int]]:
    return [p.counts.as_tuple() for p in points]


def test_every_commit_counts_exactly(repo: Repo, tmp_path: Path) -> None:
    result = walk_history(str(repo.root), [str(repo.root)], every=1,
                          cache_dir=str(tmp_path / "cache"))
    assert totals(result.points) == EXPECTED
    assert [p.commit for p in result.points] == repo.shas  # first parent: no side commit
    assert [p.files for p in result.points] == [2, 3, 3, 4, 5, 5, 4]
    assert [p.unparsable for p in result.points] == [0, 0, 0, 0, 1, 1, 1]
    assert result.unparsable == [{"path": "app/broken.py", "commit": repo.shas[4],
                                  "blob": result.unparsable[0]["blob"],
                                  "error": result.unparsable[0]["error"]}]
    assert "cannot parse" in result.unparsable[0]["error"]
    assert result.stats.commits_walked == 7 and result.stats.commits_sampled == 7


def test_weekly_sampling_takes_the_last_commit_of_each_week(repo: Repo, tmp_path: Path,
                                                            monkeypatch) -> None:
    # (three weeks would be drawn per commit: see test_short_history_is_sampled_per_commit)
    monkeypatch.setattr("txasync.report.history.MIN_WEEKLY_POINTS", 1)
    result = walk_history(str(repo.root), every=None, cache_dir=str(tmp_path / "cache"))
    assert [p.commit for p in result.points] == [repo.shas[1], repo.shas[3], repo.shas[6]]
    assert totals(result.points) == [EXPECTED[1], EXPECTED[3], EXPECTED[6]]
    assert result.points[0].date == "2024-01-03T10:00:00Z"


def test_every_n_counts_back_from_head(repo: Repo, tmp_path: Path) -> None:
    result = walk_history(str(repo.root), every=3, cache_dir=str(tmp_path / "cache"))
    assert [p.commit for p in result.points] == [repo.shas[0], repo.shas[3], repo.shas[6]]
    assert totals(result.points) == [EXPECTED[0], EXPECTED[3], EXPECTED[6]]


def test_since_starts_from_the_tree_before_it(repo: Repo, tmp_path: Path) -> None:
    result = walk_history(str(repo.root), every=1, since="2024-01-15T00:00:00+00:00",
                          cache_dir=str(tmp_path / "cache"))
    assert [p.commit for p in result.points] == repo.shas[4:]
    assert totals(result.points) == EXPECTED[4:]


def test_paths_limit_what_counts(repo: Repo, tmp_path: Path) -> None:
    result = walk_history(str(repo.root), [str(repo.root / "app" / "rest")], every=1,
                          cache_dir=str(tmp_path / "cache"))
    assert totals(result.points) == [(0, 0, 0, 0)] * 4 + [(1, 0, 4, 0), (0, 1, 0, 3),
                                                           (0, 1, 0, 3)]


def test_exclude_from_config(repo: Repo, tmp_path: Path) -> None:
    config = load_config(str(tmp_path))
    config = config.with_overrides(root=str(repo.root), exclude=("app/c.py",))
    result = walk_history(str(repo.root), every=1, config=config,
                          cache_dir=str(tmp_path / "cache"))
    assert totals(result.points)[3] == (2, 1, 8, 3)


def test_layers_over_time(repo: Repo, tmp_path: Path) -> None:
    config = load_config(str(tmp_path)).with_overrides(root=str(repo.root))
    result = walk_history(str(repo.root), every=1, config=config,
                          layers=[("rest", ("*/rest/*",)), ("core", ("app/*",))],
                          cache_dir=str(tmp_path / "cache"))
    assert [p.layers["rest"].as_tuple() for p in result.points] == (
        [(0, 0, 0, 0)] * 4 + [(1, 0, 4, 0), (0, 1, 0, 3), (0, 1, 0, 3)])
    assert [p.layers["core"].inlinecallbacks for p in result.points] == [2, 3, 2, 4, 3, 4, 2]


def test_cache_means_a_rerun_reads_only_new_blobs(tmp_path: Path) -> None:
    repo = build(tmp_path / "repo")
    first = walk_history(str(repo.root), every=1)
    # distinct Python blobs: a v1 (= c: same content, same blob), __init__, b, a v2, broken,
    # b v2, a v3; the rename and the skipped .venv/build files add none
    assert (first.stats.blobs, first.stats.blobs_read) == (7, 7)
    assert first.stats.blobs_parsed == 6  # the empty __init__.py needs no parse
    assert (repo.root / ".txasync" / "cache" / history.CACHE_FILE).is_file()
    assert repo.git("status", "--porcelain") == ""  # the cache ignores itself

    second = walk_history(str(repo.root), every=1)
    assert second.stats.blobs_read == 0
    assert totals(second.points) == totals(first.points)

    repo.write("app/d.py", HEADER + coro("four"))
    repo.write("app/rest/b.py", HEADER + coro("one"))  # unchanged content
    repo.commit("c8 add d", "2024-01-19T10:00:00+00:00")
    third = walk_history(str(repo.root), every=1)
    assert third.stats.blobs_read == 1
    assert third.points[-1].counts.as_tuple() == (2, 3, 8, 9)


def test_stale_cache_format_is_ignored(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / history.CACHE_FILE).write_text(json.dumps({"format": -1, "blobs": {}}))
    result = walk_history(str(repo.root), every=1, cache_dir=str(cache))
    assert result.stats.blobs_read == 7
    assert totals(result.points) == EXPECTED


def test_worker_processes_give_the_same_numbers(repo: Repo, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "_PARALLEL_MIN", 1)
    monkeypatch.setattr(history, "_CHUNK", 2)
    result = walk_history(str(repo.root), every=1, jobs=2, cache_dir=str(tmp_path / "c"))
    assert totals(result.points) == EXPECTED


def test_last_point_matches_the_current_tree(repo: Repo, tmp_path: Path) -> None:
    result = walk_history(str(repo.root), every=1, cache_dir=str(tmp_path / "cache"))
    config = load_config(str(repo.root))
    project = load_project(discover([str(repo.root)], config)[0], config)
    now = summary(project)
    last = result.points[-1].counts
    assert (now["inlinecallbacks"], now["async"], now["inlinecallbacks_lines"],
            now["async_lines"]) == last.as_tuple()


PLAIN_DEFERRED = HEADER + ic("load") + """

def load_default(key):
    return load(key or "x")


def cached(key):
    if key:
        return defer.succeed(key)
    return load_default(key)


def logged(key):
    d = load(key)
    d.addErrback(print)
    return d


def elsewhere(store, key):
    return store.get(key)
"""


def test_plain_deferred_functions_are_a_series_of_their_own(tmp_path: Path) -> None:
    """Pass-throughs and chains count apart from IC, from the blob alone (the history's
    cache), and the last point equals the current tree's count."""
    repo = Repo(tmp_path / "repo")
    repo.write("app/__init__.py", "")
    # no inlineCallbacks in the file: only the chain and the Twisted call tell
    repo.write("app/chains.py", HEADER + "\n\ndef later(x):\n    return defer.succeed(x)\n"
               "\n\ndef wrap(f):\n    return f().addBoth(print)\n")
    repo.commit("chains", "2024-01-01T12:00:00+00:00")
    repo.write("app/store.py", PLAIN_DEFERRED)
    repo.commit("store", "2024-01-02T12:00:00+00:00")
    repo.write("app/store.py", PLAIN_DEFERRED.replace("def logged(", "async def logged("))
    repo.commit("convert", "2024-01-03T12:00:00+00:00")
    result = walk_history(str(repo.root), every=1, cache_dir=str(tmp_path / "cache"))
    got = [(p.counts.inlinecallbacks, p.counts.passthrough, p.counts.chain, p.counts.deferred)
           for p in result.points]
    # `elsewhere` calls into another object: not known from the file, not counted
    assert got == [(0, 1, 1, 2), (1, 3, 2, 5), (1, 3, 1, 4)]
    config = load_config(str(repo.root))
    project = load_project(discover([str(repo.root)], config)[0], config)
    now = summary(project)
    last = result.points[-1].counts
    assert (now["passthrough"], now["chain"], now["deferred_lines"]) == (
        last.passthrough, last.chain, last.deferred_lines)
    again = walk_history(str(repo.root), every=1, cache_dir=str(tmp_path / "cache"))
    assert again.stats.blobs_read == 0
    assert [p.counts.numbers() for p in again.points] == [
        p.counts.numbers() for p in result.points]


def test_sample_on_no_commits() -> None:
    assert sample([]) == []


def test_short_history_is_sampled_per_commit() -> None:
    """Issue 21 item 11: commits that all fall in one week are not one dot."""
    from txasync.report.gitobjects import Commit
    from txasync.report.history import MAX_COMMIT_POINTS

    monday = 1_700_438_400  # 2023-11-20, a Monday (UTC)
    week = [Commit(f"{i:040x}", None, monday + i * 3600, f"c{i}") for i in range(12)]
    assert sample(week) == list(range(12))
    many = [Commit(f"{i:040x}", None, monday + i * 60, f"c{i}") for i in range(1000)]
    points = sample(many)
    assert points[-1] == 999 and len(points) <= MAX_COMMIT_POINTS
    # a long history stays weekly
    weekly = [Commit(f"{i:040x}", None, monday + i * 7 * 86400, f"c{i}") for i in range(20)]
    assert sample(weekly) == list(range(20))
    daily = [Commit(f"{i:040x}", None, monday + i * 86400, f"c{i}") for i in range(70)]
    assert len(sample(daily)) == 10  # 70 days: one point per week


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_json(repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "progress", "--history", "--every", "1", "--format",
                             "json", "--cache-dir", str(tmp_path / "c"), str(repo.root))
    assert code == 0
    data = json.loads(out)
    assert [(p["inlinecallbacks"], p["async"], p["inlinecallbacks_lines"], p["async_lines"])
            for p in data["points"]] == EXPECTED
    assert data["stats"]["blobs_read"] == 7
    assert "7 of 7 commits counted" in err
    assert "1 file versions did not parse" in err


def test_cli_text_table(repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = run_cli(capsys, "progress", "--history", "--cache-dir",
                           str(tmp_path / "c"), str(repo.root))
    assert code == 0
    assert "2024-01-18" in out and repo.shas[6][:10] in out


def test_cli_outside_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text("x = 1\n")
    code, _, err = run_cli(capsys, "progress", "--history", str(tmp_path))
    assert code == 2
    assert "not inside a git repository" in err


def test_html_chart_embeds_the_data_points(repo: Repo, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "progress.html"
    code, _, _ = run_cli(capsys, "progress", "--every", "1", "--html", str(page),
                         "--cache-dir", str(tmp_path / "c"), str(repo.root))
    assert code == 0
    text = page.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="txasync-progress-data">(.*?)'
                      r"</script>", text, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    assert [(p["commit"], p["inlinecallbacks"], p["async"]) for p in data["points"]] == [
        (sha, ic_, aio) for sha, (ic_, aio, _, _) in zip(repo.shas, EXPECTED, strict=True)]
    # the subject with `</script>` cannot end the block early, and is escaped in the table
    assert "c5 move b &lt;/script&gt; &amp; &lt;b&gt;" in text
    svgs = re.findall(r'<svg class="chart".*?</svg>', text, re.S)
    assert [re.search(r'data-panel="([^"]+)"', s).group(1) for s in svgs] == [  # type: ignore[union-attr]
        "functions", "lines in functions"]
    for svg, columns in zip(svgs, [(0, 1), (2, 3)], strict=True):
        for series, column in zip(("inlinecallbacks", "async"), columns, strict=True):
            points = re.findall(rf'<circle class="point" data-series="{series}" '
                                r'data-commit="([0-9a-f]+)" data-value="([0-9.]+)" '
                                r'cx="([0-9.]+)" cy="([0-9.]+)"', svg)
            assert [(c, int(v)) for c, v, _, _ in points] == [
                (sha, row[column]) for sha, row in zip(repo.shas, EXPECTED, strict=True)]
            xs = [float(x) for _, _, x, _ in points]
            assert xs == sorted(xs) and xs[0] < xs[-1]  # placed by date, left to right
            ys = [float(y) for _, _, _, y in points]
            values = [row[column] for row in EXPECTED]
            # higher values are drawn higher (smaller y)
            for i in range(len(values) - 1):
                (v1, y1), (v2, y2) = (values[i], ys[i]), (values[i + 1], ys[i + 1])
                assert (v1 < v2) == (y1 > y2) and (v1 == v2) == (y1 == y2)
            polyline = re.search(rf'<polyline class="series" data-series="{series}"[^>]*'
                                 r'points="([^"]+)"', svg)
            assert polyline is not None and len(polyline.group(1).split()) == 7
    # self-contained: nothing is fetched
    assert not re.search(r"(src|href)\s*=|<link|@import|url\(", text)


def test_html_shows_layers_when_configured(repo: Repo, tmp_path: Path) -> None:
    config = load_config(str(tmp_path)).with_overrides(root=str(repo.root))
    result = walk_history(str(repo.root), every=1, config=config,
                          layers=[("rest", ("*/rest/*",))], cache_dir=str(tmp_path / "c"))
    text = chart.render_html(result)
    assert 'data-panel="% of functions async, by layer"' in text
    assert text.count('<circle class="point" data-series="rest"') == 7


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_chart(repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    image = tmp_path / "progress.png"
    code, _, err = run_cli(capsys, "progress", "--every", "1", "--png", str(image),
                           "--cache-dir", str(tmp_path / "c"), str(repo.root))
    assert code == 0, err
    assert _png_size(image) == chart.PNG_SIZE
    from matplotlib import image as mpimg

    pixels = mpimg.imread(str(image))
    assert pixels.shape[:2] == (chart.PNG_SIZE[1], chart.PNG_SIZE[0])
    assert pixels.std() > 0  # something is drawn


def test_png_without_matplotlib_names_the_extra(repo: Repo, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, out, err = run_cli(capsys, "progress", "--png", str(tmp_path / "x.png"),
                             "--cache-dir", str(tmp_path / "c"), str(repo.root))
    assert code == 2
    assert err.strip().splitlines() == [
        "txasync: --png needs matplotlib: pip install matplotlib (txasync's progress-png extra)"]
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "c").exists()


def test_svg_of_a_single_point_is_centred() -> None:
    point = history.Point("a" * 40, 1_700_000_000, "only", history.Counts(1, 0, 4, 0), 1, 0)
    svg = chart.render_svg(chart.panels(history.History("r", [point], history.Stats(), []))[0],
                           [point])
    # IC, pass-through/chain and async: the Deferred code left is two series
    assert svg.count("<circle") == 3
    assert 'data-series="pass-through/chain"' in svg


@pytest.mark.parametrize("high, ticks", [(0, [0.0, 1.0]), (7, [0, 2, 4, 6, 8]),
                                         (140, [0, 50, 100, 150])])
def test_nice_ticks(high: float, ticks: list[float]) -> None:
    assert chart.nice_ticks(high) == ticks


def test_text_helpers_are_dedented() -> None:
    assert textwrap.dedent(ic("f")).count("\n") == 6


def test_old_git_fallback_reads_the_same_changes(repo: Repo) -> None:
    from txasync.report.gitobjects import _log, first_parent_log

    tail = ["--raw", "-z", "--no-renames", "--no-abbrev", "--format=%x01%H %P %ct%x02%s",
            "HEAD", "--"]
    old, code, _ = _log(str(repo.root), ["log", "--first-parent", "-m", *tail])
    assert code == 0
    assert list(reversed(old)) == first_parent_log(str(repo.root))


def test_empty_repository_and_bad_every(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    Repo(tmp_path / "empty")
    code, _, err = run_cli(capsys, "progress", "--history", str(tmp_path / "empty"))
    assert code == 2 and "no commits" in err
    code, _, err = run_cli(capsys, "progress", "--every", "0", str(tmp_path / "empty"))
    assert code == 2 and "--every must be at least 1" in err


def test_png_of_a_multi_year_weekly_history_picks_its_locator(tmp_path: Path) -> None:
    """Issue 21 item 14: Synapse's 2019-01..2022-06 weekly history made matplotlib warn
    "AutoDateLocator was unable to pick an appropriate interval"; the locator is explicit."""
    import warnings

    pytest.importorskip("matplotlib")
    from txasync.report.counts import Counts
    from txasync.report.history import History, Point, Stats

    start = 1_546_300_800  # 2019-01-01
    points = [Point(f"{i:040x}", start + i * 7 * 86400, f"c{i}",
                    Counts(1291 - i * 6, 10 + i * 12, 40_000 - i * 150, 300 + i * 400), 900, 0)
              for i in range(182)]  # to 2022-06
    history = History(str(tmp_path), points, Stats(), [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chart.write_png(history, str(tmp_path / "p.png"))
    assert _png_size(tmp_path / "p.png") == chart.PNG_SIZE
    locator = chart.date_locator(points[0].timestamp, points[-1].timestamp)
    assert type(locator).__name__ == "MonthLocator"
