"""The rewrite pattern for each rule code, and the `Fix` a rule attaches to a finding that one can rewrite.

`planned_fix` is the one place that decides what `fix` would do for a finding: the pattern's match, the strategy
(`auto` resolved per table and `--unsafe-fixes`), and the applicability after the settings' `extend-safe-fixes`,
`extend-unsafe-fixes` and `unfixable`. Rules ask it through `available_fix` while linting, and the fix driver
asks it again before rewriting, so `[*]` in lint output and what `fix` applies always agree.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from dataclasses import dataclass
from typing import Any

from hlo_fix.fix.pattern import RewritePattern, concrete_strategy
from hlo_fix.ir.structure import structure_of
from hlo_fix.lint.finding import Fix
from hlo_fix.sharding.annotations import forwarded

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op
    from hlo_fix.lint.context import LintContext


@functools.cache
def patterns() -> dict[str, RewritePattern]:
    from hlo_fix.fix.flat_index import FlatGatherToOneHot
    from hlo_fix.fix.gather_onehot import GatherToOneHot
    from hlo_fix.fix.replicate_iota import ReplicateIota
    from hlo_fix.fix.scatter_onehot import ScatterToOneHot

    found = [ReplicateIota(), GatherToOneHot(), ScatterToOneHot(), FlatGatherToOneHot()]
    return {pattern.code: pattern for pattern in found}


def matched(ctx: "LintContext", code: str, op: "Op"):
    """The pattern for `code` and its match on `op` (None when it cannot rewrite it), once per lint run."""
    pattern = patterns().get(code)
    if pattern is None:
        return None, None
    cache = ctx.cached("fix-matches", dict)
    key = (code, id(op))
    if key not in cache:
        cache[key] = pattern.match(ctx, op)
    return pattern, cache[key]


@dataclass(frozen=True)
class PlannedFix:
    pattern: RewritePattern
    match: Any
    strategy: str  # concrete: "dot" or "select"
    applicability: str  # after the settings' safety overrides

    @property
    def fix(self) -> Fix:
        return Fix(self.applicability, self.pattern.message(self.match, self.strategy))


def planned_fix(ctx: "LintContext", code: str, op: "Op") -> PlannedFix | None:
    """What `hlo-fix fix` would do for rule `code`'s finding at `op` under the context's settings, or None."""
    settings = ctx.settings
    if not settings.fixable(code):
        return None
    pattern, match = matched(ctx, code, op)
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


def available_fix(ctx: "LintContext", code: str, op: "Op") -> Fix | None:
    """The fix a finding offers. Gathers and scatters with the same structure (`hlo_fix.ir.structure`: the same
    layer, repeated thousands of times in a deep model) share one answer: the matchers look only at the op and
    at what computes its operands, never at users, call sites or inside callees. Structures that end at a
    sharding annotation are not shared: the matchers see through it, the structure key does not."""
    shape = structure_of(ctx, op) if code in _STRUCTURAL else None
    key = shape.key if shape is not None and not _ends_at_annotation(shape) else None
    cache = ctx.cached("fix-summaries", dict)
    if key is not None and (code, key) in cache:
        return cache[(code, key)]
    plan = planned_fix(ctx, code, op)
    fix = None if plan is None else plan.fix
    if key is not None:
        cache[(code, key)] = fix
    return fix


def _ends_at_annotation(shape) -> bool:
    return any(v.owner is not None and v.index >= 0 and forwarded(v) is not None for v in shape.order)


_STRUCTURAL = frozenset({"HF002", "HF003", "HF004"})
