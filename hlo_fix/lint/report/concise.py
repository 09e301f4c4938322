"""One line per finding (`path:row:col: CODE [*] message`), for editors and grep."""

from __future__ import annotations

from typing import Sequence

from hlo_fix.lint.report.context import ReportContext
from hlo_fix.lint.report.fixes import fix_is_applicable
from hlo_fix.lint.report.style import BOLD, CYAN, RED, YELLOW, paint
from hlo_fix.lint.report.summary import summary_lines
from hlo_fix.rule_api.finding import Finding


def finding_line(finding: Finding, unsafe_fixes: bool, color: bool = False) -> str:
    marker = paint("[*]", CYAN, color) + " " if fix_is_applicable(finding, unsafe_fixes) else ""
    code = paint(finding.code, BOLD + (RED if finding.severity == "error" else YELLOW), color)
    return f"{paint(finding.filename, BOLD, color)}:{finding.row}:{finding.column}: {code} {marker}{finding.message}"


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = [finding_line(f, context.unsafe_fixes, context.color) for f in findings] + summary_lines(findings, context)
    return "".join(f"{line}\n" for line in lines)
