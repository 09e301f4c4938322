"""GitLab code quality (a JSON list of issues), what a job's `artifacts:reports:codequality` uploads.

Paths are relative to the project directory GitLab checked out (`CI_PROJECT_DIR` when set, else the repository
root). Each issue's fingerprint must be unique in the report, so the finding's stable fingerprint is combined
with its path and, for identical findings, their order.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Sequence

from hlo_fix.lint.report.context import ReportContext
from hlo_fix.lint.report.paths import relative_posix_path, repository_root
from hlo_fix.rule_api.finding import Finding

PROJECT_DIR_ENV = "CI_PROJECT_DIR"
# GitLab's scale is info, minor, major, critical, blocker: an error breaks sharded numerics, a warning may.
SEVERITIES = {"error": "major", "warning": "minor"}


def issue(finding: Finding, path: str, occurrence: int) -> dict:
    key = "\0".join((finding.fingerprint or finding.message, finding.code, path, str(occurrence)))
    return {
        "check_name": finding.code,
        "description": f"{finding.code} {finding.message}",
        "severity": SEVERITIES.get(finding.severity, "info"),
        "fingerprint": hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest(),
        "location": {
            "path": path,
            "positions": {
                "begin": {"line": finding.row, "column": finding.column},
                "end": {"line": finding.end_row, "column": finding.end_column},
            },
        },
    }


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    project = os.environ.get(PROJECT_DIR_ENV)
    root = Path(project) if project else (context.root or repository_root(context.cwd))
    seen: Counter = Counter()
    issues = []
    for finding in findings:
        path = relative_posix_path(finding.filename, context.cwd, root)
        key = (finding.fingerprint or finding.message, finding.code, path)
        issues.append(issue(finding, path, seen[key]))
        seen[key] += 1
    return json.dumps(issues, indent=2) + "\n"
