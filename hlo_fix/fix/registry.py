"""The rewrite pattern for each rule code, and the `Fix` a rule attaches to a finding that one can rewrite.

Rules ask `available_fix` while linting, so `hlo-fix lint` marks fixable findings (`[*]`) with the same matching
`hlo-fix fix` uses; the applicability shown is the default strategy's (`dot`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from hlo_fix.fix.pattern import DEFAULT_STRATEGY, RewritePattern
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
    pattern, match = matched(ctx, code, op)
    if match is None:
        return None
    return Fix(pattern.applicability(match, strategy), pattern.message(match, strategy))
