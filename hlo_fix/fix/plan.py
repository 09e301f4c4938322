"""What `hlo-fix fix` would do for a finding: the one place that pairs a finding with its rule's fix.

`planned_fix` decides it: the rule's pattern (`Rule.fix`) matched on the finding's op, the strategy (`auto`
resolved per table and `--unsafe-fixes`), and the applicability after the settings' `extend-safe-fixes`,
`extend-unsafe-fixes` and `unfixable`. The checker offers it for every finding a rule with a fix reports
(`offered_fix`, through the LintContext), and the fix loop rewrites with the same plan from the same context, so
`[*]` in lint output and what `fix` applies always agree, and each op is matched once per round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hlo_fix.ir.structure import structure_of
from hlo_fix.rule_api.finding import Fix
from hlo_fix.rule_api.pattern import RewritePattern, concrete_strategy
from hlo_fix.sharding.annotations import forwarded

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op
    from hlo_fix.rule_api.context import LintContext
    from hlo_fix.rule_api.rule import Rule


def matched(ctx: "LintContext", rule: "type[Rule] | Rule", op: "Op") -> Any | None:
    """The rule's pattern's match on `op` (None when it cannot rewrite it), once per context."""
    cache = ctx.cached("fix-matches", dict)
    key = (rule.code, id(op))
    if key not in cache:
        cache[key] = rule.fix.match(ctx, op)
    return cache[key]


@dataclass(frozen=True)
class PlannedFix:
    pattern: RewritePattern
    match: Any
    strategy: str  # concrete: "dot" or "select"
    applicability: str  # after the settings' safety overrides

    @property
    def fix(self) -> Fix:
        return Fix(self.applicability, self.pattern.message(self.match, self.strategy))


def planned_fix(ctx: "LintContext", rule: "type[Rule] | Rule", op: "Op", code: str | None = None) -> PlannedFix | None:
    """What `hlo-fix fix` would do for the finding (of `code`, by default the rule's) at `op` under the context's
    settings, or None."""
    pattern = rule.fix
    code = code or rule.code
    settings = ctx.settings
    if pattern is None or not settings.fixable(code):
        return None
    match = matched(ctx, rule, op)
    if match is None:
        return None
    element_type = pattern.table_element_type(match)
    strategy = concrete_strategy(settings.fix_strategy, element_type, settings.unsafe_fixes)
    applicability = settings.fix_safety(code, pattern.applicability(match, strategy))
    if applicability == "unsafe" and not settings.unsafe_fixes:
        # Only `--unsafe-fixes` will apply it: describe it as it would be applied then.
        strategy = concrete_strategy(settings.fix_strategy, element_type, True)
        applicability = settings.fix_safety(code, pattern.applicability(match, strategy))
    return PlannedFix(pattern, match, strategy, applicability)


def offered_fix(ctx: "LintContext", rule: "type[Rule] | Rule", op: "Op", code: str) -> Fix | None:
    """The fix a finding offers. Patterns `shared_by_structure` give ops with the same structure one answer (the
    same layer repeated thousands of times in a deep model). Structures that end at a sharding annotation are not
    shared: the matchers see through it, the structure key does not."""
    shape = structure_of(ctx, op) if rule.fix.shared_by_structure else None
    key = shape.key if shape is not None and not _ends_at_annotation(shape) else None
    cache = ctx.cached("fix-summaries", dict)
    if key is not None and (code, key) in cache:
        return cache[(code, key)]
    plan = planned_fix(ctx, rule, op, code)
    fix = None if plan is None else plan.fix
    if key is not None:
        cache[(code, key)] = fix
    return fix


def _ends_at_annotation(shape) -> bool:
    return any(v.owner is not None and v.index >= 0 and forwarded(v) is not None for v in shape.order)
