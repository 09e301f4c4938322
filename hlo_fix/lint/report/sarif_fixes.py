"""SARIF `fixes`: the text edit that `hlo-fix fix` makes for one finding, as line replacements.

Each result gets the rewrite of its own op only (one fix round on a fresh read of the module), so a viewer that
applies one result's fix gets exactly that rewrite. The edit is the changed line ranges between the module and
its rewritten text, each a `deletedRegion` of whole lines and the lines that replace them.
"""

from __future__ import annotations

from typing import Sequence

from hlo_fix.rule_api.finding import Finding


def rewritten_text(text: str, finding: Finding, settings) -> str | None:
    """The module with only `finding`'s fix applied, or None when that fix does not apply to this text."""
    from hlo_fix.errors import HloFixError
    from hlo_fix.fix.plan import planned_fix
    from hlo_fix.ir.scanner import read_module
    from hlo_fix.rewrite.rewriter import Rewriter
    from hlo_fix.rule_api.context import LintContext
    from hlo_fix.rules.registry import rule_for

    rule = rule_for(finding.code)
    if rule is None or rule.fix is None:
        return None
    try:
        module = read_module(text, finding.filename)
    except HloFixError:
        return None
    op = next((o for o in module.walk() if (o.line, o.column) == (finding.row, finding.column)), None)
    if op is None:
        return None
    plan = planned_fix(LintContext(module, settings, finding.filename), rule, op, finding.code)
    if plan is None or (plan.applicability == "unsafe" and not settings.unsafe_fixes):
        return None
    rewriter = Rewriter(module)
    plan.pattern.rewrite(plan.match, rewriter, plan.strategy)
    return rewriter.print()


def replacements(before: str, after: str) -> list[dict]:
    """SARIF replacements turning `before` into `after`: whole changed lines, each deleted region running from
    the start of its first line to the start of the line after it (or to the end of the text)."""
    from hlo_fix.fix.text_diff import _Matcher  # `fix --diff`'s near-linear line alignment

    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    found = []
    for tag, a0, a1, b0, b1 in _Matcher(old, new).get_opcodes():
        if tag == "equal":
            continue
        found.append({"deletedRegion": _lines_region(old, a0, a1), "insertedContent": {"text": "".join(new[b0:b1])}})
    return found


def _lines_region(lines: Sequence[str], first: int, stop: int) -> dict:
    """Lines [first, stop) (0-based) as a region with 1-based, end-exclusive line/column positions."""
    if stop < len(lines) or not lines:
        return {"startLine": first + 1, "startColumn": 1, "endLine": stop + 1, "endColumn": 1}
    if first == stop:  # an insertion after the last line: an empty region at its end
        return {"startLine": stop, "startColumn": len(lines[-1]) + 1, "endLine": stop, "endColumn": len(lines[-1]) + 1}
    return {"startLine": first + 1, "startColumn": 1, "endLine": stop, "endColumn": len(lines[-1]) + 1}


def result_fixes(finding: Finding, text: str | None, settings, location: dict) -> list[dict]:
    """The `fixes` of a result: one, with the fix's message, or none when the edit cannot be computed."""
    if text is None or finding.fix is None:
        return []
    after = rewritten_text(text, finding, settings)
    if after is None or after == text:
        return []
    return [{
        "description": {"text": finding.fix.message},
        "artifactChanges": [{"artifactLocation": location, "replacements": replacements(text, after)}],
    }]
