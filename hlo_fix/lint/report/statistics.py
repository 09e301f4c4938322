"""`--statistics`: how often each rule fired, instead of the findings themselves (ruff's layout)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Sequence

from hlo_fix.lint.report.context import ReportContext
from hlo_fix.lint.report.fixes import fix_is_applicable
from hlo_fix.rule_api.finding import Finding


def rows(findings: Sequence[Finding], unsafe_fixes: bool) -> list[dict]:
    """One row per code, most frequent first, then by code."""
    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    fixable = {f.code for f in findings if fix_is_applicable(f, unsafe_fixes)}
    ordered = sorted(counts, key=lambda code: (-counts[code], code))
    return [{"code": c, "name": names[c], "count": counts[c], "fixable": c in fixable} for c in ordered]


def render(findings: Sequence[Finding], context: ReportContext, *, as_json: bool = False) -> str:
    table = rows(findings, context.unsafe_fixes)
    if as_json:
        return json.dumps(table, indent=2) + "\n"
    if not table:
        return ""
    count_width = max(len(str(row["count"])) for row in table)
    code_width = max(len(row["code"]) for row in table)
    # The fixable column only appears when something is fixable, as in ruff.
    any_fixable = any(row["fixable"] for row in table)
    lines = []
    for row in table:
        marker = ("[*] " if row["fixable"] else "[ ] ") if any_fixable else ""
        lines.append(f"{row['count']:>{count_width}}\t{row['code']:<{code_width}}\t{marker}{row['name']}")
    return "".join(f"{line}\n" for line in lines)
