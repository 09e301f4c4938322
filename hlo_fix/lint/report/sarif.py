"""SARIF 2.1.0, the format GitHub code scanning uploads (`github/codeql-action/upload-sarif`)."""

from __future__ import annotations

import json
from typing import Sequence

from hlo_fix import __version__
from hlo_fix.lint.finding import Finding
from hlo_fix.lint.report import ReportContext
from hlo_fix.lint.report.paths import artifact_uri

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "hlo-fix"
INFORMATION_URI = "https://pypi.org/project/hlo-fix/"
FINGERPRINT_KEY = "hloFix/v1"


def rule_descriptors(findings: Sequence[Finding]) -> list[dict]:
    """Every registered rule (so code scanning can show rules without results), then any other reported code."""
    from hlo_fix.rules.registry import all_rules

    descriptors = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.explanation() or rule.summary},
            "help": {"text": rule.summary, "markdown": rule.explanation() or rule.summary},
            "defaultConfiguration": {"level": rule.severity},
        }
        for rule in all_rules()
    ]
    known = {d["id"] for d in descriptors}
    for finding in sorted(findings, key=lambda f: f.code):
        if finding.code not in known:
            known.add(finding.code)
            descriptors.append(
                {
                    "id": finding.code,
                    "name": finding.name,
                    "shortDescription": {"text": finding.name},
                    "defaultConfiguration": {"level": finding.severity},
                }
            )
    return descriptors


def result(finding: Finding, rule_index: int, context: ReportContext) -> dict:
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": finding.severity,
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(finding.filename, context.cwd)},
                    "region": {
                        "startLine": finding.row,
                        "startColumn": finding.column,
                        "endLine": finding.end_row,
                        "endColumn": finding.end_column,
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }


def sarif_log(findings: Sequence[Finding], context: ReportContext) -> dict:
    rules = rule_descriptors(findings)
    index = {descriptor["id"]: i for i, descriptor in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "informationUri": INFORMATION_URI,
                        "version": __version__,
                        "rules": rules,
                    }
                },
                # Finding columns count characters, not UTF-16 code units (SARIF's default).
                "columnKind": "unicodeCodePoints",
                "results": [result(f, index[f.code], context) for f in findings],
            }
        ],
    }


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return json.dumps(sarif_log(findings, context), indent=2) + "\n"
