"""Whether a finding's fix counts as available under the current options (ruff's safe/unsafe split)."""

from __future__ import annotations

from hlo_fix.rule_api.finding import Finding


def fix_is_applicable(finding: Finding, unsafe_fixes: bool) -> bool:
    """`hlo-fix fix` would apply it with the current options: safe fixes always, unsafe ones when opted in."""
    return finding.fix is not None and (finding.fix.applicability == "safe" or unsafe_fixes)


def fix_is_hidden(finding: Finding, unsafe_fixes: bool) -> bool:
    """An unsafe fix the user has not opted in to; reports point at `--unsafe-fixes` for it."""
    return finding.fix is not None and finding.fix.applicability == "unsafe" and not unsafe_fixes
