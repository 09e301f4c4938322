"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request's diff."""

from __future__ import annotations

from typing import Sequence

from hlo_fix.lint.finding import Finding
from hlo_fix.lint.report import ReportContext
from hlo_fix.lint.report.paths import relative_posix_path


def escape_data(text: str) -> str:
    """Workflow commands end at a newline and use `%` escapes (GitHub's toolkit escaping)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property values additionally cannot contain the `:` and `,` that delimit them."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, context: ReportContext) -> str:
    properties = {
        "file": relative_posix_path(finding.filename, context.cwd),
        "line": finding.row,
        "col": finding.column,
        "endLine": finding.end_row,
        "endColumn": finding.end_column,
        "title": f"{finding.code} ({finding.name})",
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{finding.severity} {joined}::{escape_data(finding.message)}"


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return "".join(annotation(f, context) + "\n" for f in findings)
