"""SARIF 2.1.0 output (`txasync check --format sarif`), for GitHub code scanning and others.

Paths are relative to the working directory (CI runs from the repository root, which is what
code scanning expects), under the `%SRCROOT%` base. Columns are 1-based character columns
(`columnKind: unicodeCodePoints`), which is what txasync's spans count. Each result carries a
`partialFingerprints` entry built from the baseline key (file, function, code, occurrence),
so code scanning keeps tracking an alert when the code around it moves, exactly as the
baseline does.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..analysis.findings import Finding
from ..rules import RULES
from ..rules.base import DOCS_URL
from .baseline import keyed

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = DOCS_URL.rsplit("/blob/", 1)[0]
LEVELS = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}
FINGERPRINT = "txasync/v1"


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def rule_descriptor(code: str) -> dict[str, Any]:
    """A reportingDescriptor: what GitHub shows as the rule's title, help and link."""
    rule = RULES.get(code)
    if rule is None:
        return {"id": code, "name": code.lower(), "shortDescription": {"text": code},
                "helpUri": f"{DOCS_URL}#{code.lower()}"}
    tags = ["twisted", "async", *rule.tags]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _first_sentence(rule.summary)},
        "fullDescription": {"text": rule.summary},
        "help": {"text": f"{rule.summary} See {rule.url}",
                 "markdown": f"{rule.summary}\n\n[{rule.code} in the rules]({rule.url})"},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "note")},
        "properties": {"tags": tags, "fixSafety": rule.fix_safety},
    }


def _uri(rel: str) -> str:
    if os.path.isabs(rel):
        return pathlib.Path(rel).as_uri()
    return quote(rel, safe="/")


def _fingerprint(key: tuple[str, str, str], occurrence: int) -> str:
    text = "\0".join((*key, str(occurrence)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_sarif(findings: list[Finding]) -> dict[str, Any]:
    """One run with every rule described and one result per finding."""
    root = os.getcwd()
    codes = sorted(set(RULES) | {f.code for f in findings})
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for key, occurrence, f in keyed(findings, root):
        region = {"startLine": f.span.line, "startColumn": f.span.col + 1,
                  "endLine": f.span.end_line, "endColumn": f.span.end_col + 1}
        location: dict[str, Any] = {"physicalLocation": {
            "artifactLocation": {"uri": _uri(key[0]), "uriBaseId": "%SRCROOT%"},
            "region": region}}
        if f.function:
            location["logicalLocations"] = [{"fullyQualifiedName": f.function,
                                             "kind": "function"}]
        properties: dict[str, Any] = {"fixSafety": f.fix_safety, "severity": f.severity}
        if f.reason:
            properties["reason"] = f.reason
        results.append({
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": LEVELS.get(f.severity, "note"),
            "message": {"text": f.message},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT: _fingerprint(key, occurrence)},
            "properties": properties,
        })
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "txasync",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(code) for code in codes],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": pathlib.Path(root).as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
