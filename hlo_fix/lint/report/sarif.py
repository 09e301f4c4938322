"""SARIF 2.1.0, the format GitHub code scanning uploads (`github/codeql-action/upload-sarif`).

Paths are relative to the repository root under the `%SRCROOT%` base (absolute file:// URIs outside it), rules
carry the properties code scanning sorts and filters by, and a result whose fix applies carries the edit.
"""

from __future__ import annotations

import json
from typing import Sequence

from hlo_fix.lint.report.context import ReportContext
from hlo_fix.lint.report.fixes import fix_is_applicable
from hlo_fix.lint.report.paths import SOURCE_ROOT_ID, artifact_location, repository_root, root_uri
from hlo_fix.rule_api.finding import Finding
from hlo_fix.version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "hlo-fix"
INFORMATION_URI = "https://pypi.org/project/hlo-fix/"
# Where a rule's explanation lives (the README's rules table); `hlo-fix rule CODE` prints the same text.
HELP_URI = INFORMATION_URI + "#rules"
FINGERPRINT_KEY = "hloFix/v1"
AUTOMATION_ID = "hlo-fix/lint/"
# Every rule is a correctness hazard under sharding, decided from the module's text: no heuristics, so the
# precision is high. They are not security findings, so no `security-severity`.
RULE_TAGS = ("correctness", "sharding", "stablehlo")
PRECISION = "high"


def rule_properties(severity: str) -> dict:
    return {"tags": list(RULE_TAGS), "precision": PRECISION, "problem.severity": severity}


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
            "helpUri": HELP_URI,
            "defaultConfiguration": {"level": rule.severity},
            "properties": rule_properties(rule.severity),
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
                    "properties": rule_properties(finding.severity),
                }
            )
    return descriptors


def result(finding: Finding, rule_index: int, context: ReportContext, root) -> dict:
    location = artifact_location(finding.filename, context.cwd, root)
    entry = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": finding.severity,
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": location,
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
    if fix_is_applicable(finding, context.unsafe_fixes):
        from hlo_fix.lint.report.sarif_fixes import result_fixes

        settings = context.file_settings.get(finding.filename) or _settings(context)
        fixes = result_fixes(finding, context.sources.get(finding.filename), settings, location)
        if fixes:
            entry["fixes"] = fixes
    return entry


def _settings(context: ReportContext):
    if context.settings is not None:
        return context.settings
    from hlo_fix.lint.settings import Settings

    return Settings(unsafe_fixes=context.unsafe_fixes)


def sarif_log(findings: Sequence[Finding], context: ReportContext) -> dict:
    rules = rule_descriptors(findings)
    index = {descriptor["id"]: i for i, descriptor in enumerate(rules)}
    root = context.root or repository_root(context.cwd)
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
                # Code scanning keys a category of analyses on this id: runs of other tools stay apart.
                "automationDetails": {"id": AUTOMATION_ID},
                "originalUriBaseIds": {SOURCE_ROOT_ID: {"uri": root_uri(root)}},
                # Finding columns count characters, not UTF-16 code units (SARIF's default).
                "columnKind": "unicodeCodePoints",
                "results": [result(f, index[f.code], context, root) for f in findings],
            }
        ],
    }


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return json.dumps(sarif_log(findings, context), indent=2) + "\n"
