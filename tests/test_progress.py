"""`txasync progress` on the current tree: counts, packages, layers, blocked reasons."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from txasync.analysis.reasons import Reason
from txasync.cli import main
from txasync.config import load_config
from txasync.engine import analyse, discover, load_project
from txasync.report.layers import layer_of, parse_layers
from txasync.report.progress import progress_report, summary

PYPROJECT = """\
[tool.txasync]
twisted-version = "24.7"

[tool.txasync.layers]
rest = ["*/rest/*"]
storage = ["*/storage/*", "*/db.py"]
"""

FILES = {
    "app/__init__.py": "",
    "app/rest/__init__.py": "",
    # 2 IC (4 and 5 lines), 1 async (3 lines)
    "app/rest/api.py": """\
        from twisted.internet import defer


        @defer.inlineCallbacks
        def get(store):
            value = yield store.get()
            return value


        @defer.inlineCallbacks
        def put(store, value):
            yield store.put(value)
            ok = yield store.flush()
            return ok


        async def ping(store):
            await store.ping()
            return True
        """,
    # 2 IC, both blocked: `yield from` (5 lines) and an unknown decorator (5 lines)
    "app/storage/db.py": """\
        from twisted.internet import defer

        from .util import retry


        @defer.inlineCallbacks
        def delegate(gen):
            yield gen
            value = yield from gen
            return value


        @retry
        @defer.inlineCallbacks
        def fetch(conn):
            rows = yield conn.query()
            return rows
        """,
    "app/storage/__init__.py": "",
    "app/storage/util.py": """\
        def retry(f):
            def wrapper(*args):
                return f(*args).addErrback(lambda _: f(*args))
            return wrapper
        """,
    # 1 async (2 lines), no layer
    "app/handlers.py": """\
        async def handle(request):
            return request
        """,
}


def write_project(root: Path, files: dict[str, str] = FILES,
                  pyproject: str = PYPROJECT) -> Path:
    (root / "pyproject.toml").write_text(pyproject)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def _module(report: dict, name: str) -> dict:
    return next(m for m in report["modules"] if m["module"] == name)


def test_counts_per_module_package_and_total(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path)
    code, report = run_json(capsys, "progress", "--format", "json", str(tmp_path))
    assert code == 0
    assert (report["inlinecallbacks"], report["async"]) == (4, 2)
    assert (report["inlinecallbacks_lines"], report["async_lines"]) == (9 + 10, 3 + 2)
    assert report["share_async"] == round(2 / 6, 4)
    assert report["share_async_lines"] == round(5 / 24, 4)
    api = _module(report, "app.rest.api")
    assert (api["inlinecallbacks"], api["async"], api["inlinecallbacks_lines"],
            api["async_lines"], api["blocked"], api["convertible"]) == (2, 1, 9, 3, 0, 2)
    assert api["path"] == "app/rest/api.py" and api["package"] == "app.rest"
    db = _module(report, "app.storage.db")
    assert (db["inlinecallbacks"], db["blocked"], db["convertible"]) == (2, 2, 0)
    assert db["blocked_reasons"] == {"unknown decorator": 1, "uses `yield from`": 1}
    packages = {p["package"]: p for p in report["packages"]}
    assert set(packages) == {"app", "app.rest", "app.storage"}
    assert (packages["app"]["async"], packages["app"]["inlinecallbacks"]) == (1, 0)
    # modules with neither IC, async nor Deferred code are left out; `retry`'s wrapper
    # builds a callback chain: Deferred code still to convert, reported apart from IC
    assert [m["module"] for m in report["modules"]] == [
        "app.handlers", "app.rest.api", "app.storage.db", "app.storage.util"]
    util = _module(report, "app.storage.util")
    assert (util["inlinecallbacks"], util["chain"], util["passthrough"], util["deferred"],
            util["chain_lines"]) == (0, 1, 0, 1, 2)
    assert (report["deferred"], report["chain"]) == (1, 1)


def test_blocked_reasons_are_grouped_with_their_functions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path)
    _, report = run_json(capsys, "progress", "--format", "json", str(tmp_path))
    assert report["blocked"] == 2
    assert report["blocked_by_reason"] == [
        {"reason": "unknown decorator", "count": 1, "functions": ["app.storage.db:fetch"]},
        {"reason": "uses `yield from`", "count": 1, "functions": ["app.storage.db:delegate"]},
    ]


def test_layers_from_pyproject(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path)
    _, report = run_json(capsys, "progress", "--format", "json", str(tmp_path))
    layers = {row["layer"]: row for row in report["layers"]}
    assert list(layers) == ["rest", "storage", None]
    assert layers["rest"]["globs"] == ["*/rest/*"]
    assert (layers["rest"]["inlinecallbacks"], layers["rest"]["async"]) == (2, 1)
    assert (layers["storage"]["inlinecallbacks"], layers["storage"]["blocked"]) == (2, 2)
    assert (layers[None]["inlinecallbacks"], layers[None]["async"]) == (0, 1)
    assert _module(report, "app.handlers")["layer"] is None


def test_no_layers_configured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, pyproject="[tool.txasync]\n")
    _, report = run_json(capsys, "progress", "--format", "json", str(tmp_path))
    assert report["layers"] == []
    assert "layer" not in report["modules"][0]


def test_bad_layers_table_is_a_usage_error(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, pyproject="[tool.txasync]\nlayers = 3\n")
    assert main(["progress", str(tmp_path)]) == 2
    assert "layers" in capsys.readouterr().err


def test_text_report_shows_packages_layers_and_blockers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    write_project(tmp_path)
    assert main(["progress", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "async 33% of functions, 21% of lines" in out
    assert "app.storage" in out and "  db" in out
    assert "by layer" in out and "(no layer)" in out
    assert "what blocks the remaining inlineCallbacks functions" in out
    assert "unknown decorator" in out and "app.storage.db:fetch" in out


def test_summary_for_editors(tmp_path: Path) -> None:
    write_project(tmp_path)
    config = load_config(str(tmp_path))
    files, _ = discover([str(tmp_path)], config)
    result = summary(load_project(files, config))
    assert result == {"inlinecallbacks": 4, "async": 2, "inlinecallbacks_lines": 19,
                      "async_lines": 5, "share_async": 0.3333, "share_async_lines": 0.2083,
                      "deferred": 1, "deferred_lines": 2, "passthrough": 0, "chain": 1,
                      "passthrough_lines": 0, "chain_lines": 2,
                      "modules_with_functions": 4, "files": len(files)}


def test_report_without_any_functions(tmp_path: Path) -> None:
    write_project(tmp_path, files={"m.py": "x = 1\n"}, pyproject="")
    config = load_config(str(tmp_path))
    project = load_project(discover([str(tmp_path)], config)[0], config)
    report = progress_report(project, analyse(project))
    assert (report["inlinecallbacks"], report["async"], report["share_async"]) == (0, 0, 1.0)
    assert report["modules"] == [] and report["blocked_by_reason"] == []


def test_unparsable_file_counts_zero_and_is_listed(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, files={**FILES, "app/broken.py": "async def f(:\n"})
    code, report = run_json(capsys, "progress", "--format", "json", str(tmp_path))
    assert code == 0
    assert report["errors"] == ["app/broken.py"]
    assert report["async"] == 2


@pytest.mark.parametrize("reason, kind", [
    (Reason("yield-from", "it uses `yield from` (line 3)"), "uses `yield from`"),
    (Reason("unknown-decorator", "any wording at all"), "unknown decorator"),
    (Reason("nested-return-value", "reworded"), "`returnValue` in a nested function"),
])
def test_reason_kinds(reason: Reason, kind: str) -> None:
    """Reports group by a reason's kind (its label), never by its wording."""
    assert reason.label == kind


def test_every_planner_reason_is_typed() -> None:
    """Grouping reads the kind: no reason the planner gives may be a bare sentence."""
    import pickle
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_golden import CASES

    seen = set()
    for case in CASES:
        _, analysis = case.fix()
        for decision in analysis.decisions.values():
            for reason in decision.all_reasons:
                assert isinstance(reason, Reason), (case.path.name, reason)
                assert pickle.loads(pickle.dumps(reason)).kind == reason.kind
                seen.add(reason.kind)
    assert len(seen) >= 12, seen


def test_layer_globs_first_match_wins() -> None:
    layers = parse_layers({"rest": ["*/rest/*"], "all": "*"})
    assert layer_of("app/rest/api.py", layers) == "rest"
    assert layer_of("app/db.py", layers) == "all"
    assert layer_of(os.path.join("x", "y.py").replace(os.sep, "/"), parse_layers({})) is None
