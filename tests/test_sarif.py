"""`txasync check --format sarif`: SARIF 2.1.0 for code scanning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from txasync.analysis.findings import Finding
from txasync.analysis.model import Span
from txasync.cli import main
from txasync.report.sarif import FINGERPRINT, to_sarif
from txasync.rules import RULES

SOURCE = """\
from twisted.internet import defer


@defer.inlineCallbacks
def get(d):
    x = yield d
    defer.returnValue(x)
"""


def _finding(line: int, code: str = "TXA003", severity: str = "hint",
             path: str = "pkg/m.py") -> Finding:
    return Finding(code, str(Path(path).resolve()), Span(line, 4, line, 24), "message",
                   severity, "safe", "Store.get")  # type: ignore[arg-type]


def test_document_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = to_sarif([_finding(7), _finding(3, "TXA010", "error")])
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "txasync"
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    json.dumps(doc)  # serialisable as is


def test_every_rule_has_its_metadata() -> None:
    rules = to_sarif([])["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    for descriptor in rules:
        rule = RULES[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"]
        assert rule.summary.startswith(descriptor["shortDescription"]["text"].rstrip("."))
        assert descriptor["helpUri"] == rule.url
        assert descriptor["helpUri"].endswith("#" + rule.code.lower())
        assert descriptor["defaultConfiguration"]["level"] in ("error", "warning", "note")


def test_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = to_sarif([_finding(7), _finding(3, "TXA010", "error")])
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    first, second = run["results"]  # in file order
    assert (first["ruleId"], first["level"], second["ruleId"], second["level"]) == (
        "TXA010", "error", "TXA003", "note")
    for result in (first, second):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"] == {"text": "message"}
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "pkg/m.py", "uriBaseId": "%SRCROOT%"}
        assert physical["region"]["startColumn"] == 5  # 1-based
        assert physical["region"]["endColumn"] == 25
        assert location["logicalLocations"] == [{"fullyQualifiedName": "Store.get",
                                                 "kind": "function"}]
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_fingerprints_ignore_lines_but_count_occurrences(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    def prints(*lines: int) -> list[str]:
        results = to_sarif([_finding(n) for n in lines])["runs"][0]["results"]
        return [r["partialFingerprints"][FINGERPRINT] for r in results]

    assert prints(7) == prints(70)
    two = prints(7, 9)
    assert len(set(two)) == 2 and two == prints(17, 19)
    assert prints(7) != to_sarif([_finding(7, path="pkg/other.py")])["runs"][0]["results"][0][
        "partialFingerprints"][FINGERPRINT]


def test_paths_outside_the_working_directory_are_file_uris(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    result = to_sarif([_finding(1, path=str(tmp_path / "elsewhere" / "m py.py"))])
    uri = result["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"]
    assert uri == (tmp_path / "elsewhere" / "m py.py").resolve().as_uri()


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.txasync]\nselect = ["TXA003"]\n')
    (tmp_path / "m.py").write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--format", "sarif", "."]) == 1
    doc = json.loads(capsys.readouterr().out)
    (result,) = doc["runs"][0]["results"]
    assert result["ruleId"] == "TXA003"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "m.py"
    assert location["region"]["startLine"] == 7
    assert result["properties"]["fixSafety"] == "safe"
