"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request's diff.

GitHub places an annotation by its path in the repository, so `file=` is relative to the repository root
whatever directory the job linted from (as ruff does). The message carries the fix's help line, as the full
format does, since an annotation is all a reviewer sees.
"""

from __future__ import annotations

from typing import Sequence

from hlo_fix.lint.report.context import ReportContext
from hlo_fix.lint.report.fixes import fix_is_hidden
from hlo_fix.lint.report.paths import relative_posix_path, repository_root
from hlo_fix.rule_api.finding import Finding


def escape_data(text: str) -> str:
    """Workflow commands end at a newline and use `%` escapes (GitHub's toolkit escaping)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property values additionally cannot contain the `:` and `,` that delimit them."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def help_line(finding: Finding, context: ReportContext) -> str | None:
    if finding.fix is None:
        return None
    line = f"help: {finding.fix.message}"
    if fix_is_hidden(finding, context.unsafe_fixes):
        line += " (unsafe fix, available with `hlo-fix fix --unsafe-fixes`)"
    return line


def annotation(finding: Finding, context: ReportContext, root=None) -> str:
    properties = {
        "file": relative_posix_path(finding.filename, context.cwd, root),
        "line": finding.row,
        "col": finding.column,
        "endLine": finding.end_row,
        "endColumn": finding.end_column,
        "title": f"{finding.code} ({finding.name})",
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    message = "\n".join(line for line in (finding.message, help_line(finding, context)) if line)
    return f"::{finding.severity} {joined}::{escape_data(message)}"


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    root = context.root or repository_root(context.cwd)
    return "".join(annotation(f, context, root) + "\n" for f in findings)
