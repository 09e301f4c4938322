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
    """The fix a finding offers. Gathers and scatters whose index and update computations are the same text up
    to SSA names (the same layer, repeated thousands of times in a deep model) share one answer."""
    key = structure_key(op) if code in _STRUCTURAL else None
    cache = ctx.cached("fix-summaries", dict)
    if key is not None and (code, strategy, key) in cache:
        return cache[(code, strategy, key)]
    pattern, match = matched(ctx, code, op)
    fix = None if match is None else Fix(pattern.applicability(match, strategy), pattern.message(match, strategy))
    if key is not None:
        cache[(code, strategy, key)] = fix
    return fix


# Patterns whose match depends only on the op and what computes its operands (not on users or call sites).
_STRUCTURAL = frozenset({"HF002", "HF003", "HF004"})
_STRUCTURE_DEPTH = 8
_STRUCTURE_BUDGET = 96


def structure_key(op: "Op") -> tuple | None:
    """The op's text and the dataflow feeding its non-table operands, SSA names and locations left out, down to a
    fixed depth (deeper than any matcher looks); None when that graph is too large to compare cheaply."""
    from hlo_fix.ir.opkey import op_key

    numbering: dict[int, int] = {}

    def describe(value, depth: int):
        known = numbering.get(id(value))
        if known is not None:
            return known
        if len(numbering) >= _STRUCTURE_BUDGET:
            raise _TooLarge
        numbering[id(value)] = len(numbering)
        owner = value.owner
        if value.index < 0 or owner is None:
            return ("argument", value.index)  # the matchers do not follow arguments to call sites
        if depth == 0:
            return ("deep",)
        if owner.name in ("call", "func.call", "stablehlo.composite"):
            return (op_key(owner), value.index)  # nor enter callees
        return (op_key(owner), value.index, tuple(describe(v, depth - 1) for v in owner.operands))

    try:
        return (op_key(op), tuple(describe(v, _STRUCTURE_DEPTH) for v in op.operands[1:]))
    except _TooLarge:
        return None


class _TooLarge(Exception):
    pass
