"""One line per finding (`path:row:col: CODE [*] message`), for editors and grep."""

from __future__ import annotations

from typing import Sequence

from hlo_fix.lint.finding import Finding
from hlo_fix.lint.report import ReportContext
from hlo_fix.lint.report.fixes import fix_is_applicable
from hlo_fix.lint.report.summary import summary_lines


def finding_line(finding: Finding, unsafe_fixes: bool) -> str:
    marker = "[*] " if fix_is_applicable(finding, unsafe_fixes) else ""
    return f"{finding.filename}:{finding.row}:{finding.column}: {finding.code} {marker}{finding.message}"


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = [finding_line(f, context.unsafe_fixes) for f in findings] + summary_lines(findings, context)
    return "".join(f"{line}\n" for line in lines)
