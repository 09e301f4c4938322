"""The rewrite pattern for each rule code, and the `Fix` a rule attaches to a finding that one can rewrite.

Rules ask `available_fix` while linting, so `hlo-fix lint` marks fixable findings (`[*]`) with the same matching
`hlo-fix fix` uses; the applicability shown is the default strategy's (`dot`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from hlo_fix.fix.pattern import DEFAULT_STRATEGY, RewritePattern
from hlo_fix.ir.structure import structure_of
from hlo_fix.lint.finding import Fix

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


def available_fix(ctx: "LintContext", code: str, op: "Op", strategy: str = DEFAULT_STRATEGY) -> Fix | None:
    """The fix a finding offers. Gathers and scatters with the same structure (`hlo_fix.ir.structure`: the same
    layer, repeated thousands of times in a deep model) share one answer: the matchers look only at the op and
    at what computes its operands, never at users, call sites or inside callees."""
    key = structure_of(ctx, op).key if code in _STRUCTURAL else None
    cache = ctx.cached("fix-summaries", dict)
    if key is not None and (code, strategy, key) in cache:
        return cache[(code, strategy, key)]
    pattern, match = matched(ctx, code, op)
    fix = None if match is None else Fix(pattern.applicability(match, strategy), pattern.message(match, strategy))
    if key is not None:
        cache[(code, strategy, key)] = fix
    return fix


_STRUCTURAL = frozenset({"HF002", "HF003", "HF004"})
