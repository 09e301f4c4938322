"""`fix_text`: lint, apply every applicable fix, and repeat until nothing changes (ruff's fix loop).

One round applies the fixes of all findings at once (each replaces a different op) and drops the ops they left
dead, so a row iota shared by a scatter and a gather goes once both are rewritten. Another round runs only if
the first changed something, so a module that was already fixed comes back byte for byte.
"""

from __future__ import annotations

import gc

from dataclasses import dataclass, field, replace

from hlo_fix.fix.plan import planned_fix
from hlo_fix.ir.scanner import read_module
from hlo_fix.lint.checker import lint_module, new_context, run_rules
from hlo_fix.lint.settings import Settings
from hlo_fix.rewrite.rewriter import Rewriter
from hlo_fix.rule_api import DEFAULT_STRATEGY, STRATEGIES, Finding
from hlo_fix.rules import registry

MAX_ROUNDS = 8


@dataclass
class FixResult:
    new_text: str
    applied: list[Finding] = field(default_factory=list)  # as the linter reported them before their fix
    remaining: list[Finding] = field(default_factory=list)  # findings of the fixed text

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def fix_text(
    text: str,
    filename: str = "<input>",
    settings: Settings | None = None,
    unsafe: bool = False,
    strategy: str = DEFAULT_STRATEGY,
) -> FixResult:
    """Raises ParseError for text that is not a module (nothing is fixed then)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown gather strategy {strategy!r} (expected one of {', '.join(STRATEGIES)})")
    settings = settings or Settings()
    unsafe = unsafe or settings.unsafe_fixes
    # Lint inside the loop sees the fix's own options, so the fixes it reports are the ones applied here.
    settings = replace(settings, unsafe_fixes=unsafe, fix_strategy=strategy)
    applied: list[Finding] = []
    findings: list[Finding] = []
    for _ in range(MAX_ROUNDS):
        fix_round = _Round(read_module(text, filename), settings, filename)
        findings = fix_round.findings
        fixed = [finding for finding in findings if fix_round.apply(finding)]
        if not fix_round.rewriter.changed:
            break
        text = fix_round.rewriter.print()
        # Nothing of this round may keep its module alive into the next: findings hold their ops.
        applied += [replace(finding, op=None) for finding in fixed]
        del fix_round, fixed, findings
        if not gc.isenabled():
            gc.collect(0)  # the CLI runs with the collector off: free this round's module (all of it young)
    else:
        findings = lint_module(read_module(text, filename), settings, filename)
    return FixResult(text, applied, findings)


class _Round:
    """One lint-and-rewrite pass over a module: the rewrites reuse the lint run's context (its sharding analysis,
    index accesses and fix matches) and each finding's own op."""

    def __init__(self, module, settings: Settings, filename: str):
        self.ctx = new_context(module, settings, filename)
        self.findings = run_rules(self.ctx)
        self.rewriter = Rewriter(module)
        self.unsafe = settings.unsafe_fixes

    def apply(self, finding: Finding) -> bool:
        """Rewrite the finding's op when its rule's pattern matches and may be applied."""
        op = finding.op
        if finding.fix is None or op is None or self.rewriter.claims(op):
            return False
        rule = registry.rule_for(finding.code)
        plan = None if rule is None else planned_fix(self.ctx, rule, op, finding.code)
        if plan is None or (plan.applicability == "unsafe" and not self.unsafe):
            return False
        plan.pattern.rewrite(plan.match, self.rewriter, plan.strategy)
        return True
