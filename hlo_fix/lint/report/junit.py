"""JUnit XML, which CI systems (GitLab, Jenkins, Azure) show as test results: one test suite per file, one
failing test case per finding, and one passing case when nothing was found (as ruff writes it)."""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence
from xml.etree import ElementTree

from hlo_fix.lint.report.context import ReportContext
from hlo_fix.lint.report.paths import relative_posix_path, repository_root
from hlo_fix.rule_api.finding import Finding

SUITES_NAME = "hlo-fix"


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    root = context.root or repository_root(context.cwd)
    suites = ElementTree.Element("testsuites", name=SUITES_NAME, tests=str(len(findings) or 1),
                                 failures=str(len(findings)), errors="0")
    if not findings:
        suite = ElementTree.SubElement(suites, "testsuite", name=SUITES_NAME, tests="1", failures="0", errors="0")
        ElementTree.SubElement(suite, "testcase", name="No findings", classname=SUITES_NAME)
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_file[relative_posix_path(finding.filename, context.cwd, root)].append(finding)
    for path, found in by_file.items():
        suite = ElementTree.SubElement(suites, "testsuite", name=path, tests=str(len(found)),
                                       failures=str(len(found)), errors="0")
        for finding in found:
            case = ElementTree.SubElement(suite, "testcase", name=f"{finding.code} ({finding.name})",
                                          classname=path, file=path, line=str(finding.row))
            failure = ElementTree.SubElement(case, "failure", message=finding.message, type=finding.severity)
            lines = [f"{path}:{finding.row}:{finding.column}: {finding.code} {finding.message}"]
            if finding.source is not None:
                lines.append(f"source: {finding.source}")
            if finding.fix is not None:
                lines.append(f"help: {finding.fix.message}")
            failure.text = "\n".join(lines)
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"
