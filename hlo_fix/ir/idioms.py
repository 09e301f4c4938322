"""Small facts about the ways exporters spell common things, shared by the rules and the rewrites."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.ir.constants import splat_integer
from hlo_fix.ir.tokens import tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value

DIRECTIONS = ("EQ", "NE", "LT", "LE", "GT", "GE")
# Ops that only spread a splat constant (the shape operand of dynamic_broadcast_in_dim is not its value).
_SPREADING = frozenset({"stablehlo.broadcast_in_dim", "stablehlo.dynamic_broadcast_in_dim", "stablehlo.convert"})


def comparison_direction(op: "Op") -> str | None:
    """`LT` in `stablehlo.compare LT, ...` or `comparison_direction = #stablehlo<comparison_direction LT>`."""
    raw = op.attributes.get("comparison_direction")
    if raw is None:
        words = op.attributes.words()
    else:
        words = [t.value for t in tokenize(raw, strict=False) if t.type == "BARE_ID"]
    return next((w for w in words if w in DIRECTIONS), None)


def splat_value(value: "Value") -> int | None:
    """The integer a splat constant holds, seen through broadcasts and converts."""
    op = value.owner
    while op is not None and value.index >= 0 and op.name in _SPREADING:
        value = op.operands[0]
        op = value.owner
    if op is None or value.index < 0 or op.name != "stablehlo.constant":
        return None
    return splat_integer(op)


def normalized_source(value: "Value") -> "Value | None":
    """`x` when `value` is jnp's negative-index normalization `select(x < 0, x + n, x)`, else None. For a
    non-negative `x` (an iota) that is `x` itself, whatever `n` is."""
    op = value.owner
    if op is None or value.index < 0 or op.name != "stablehlo.select" or len(op.operands) != 3:
        return None
    predicate, _, kept = op.operands
    compare = predicate.owner
    if compare is None or predicate.index < 0 or compare.name != "stablehlo.compare":
        return None
    if comparison_direction(compare) != "LT" or compare.operands[0] is not kept:
        return None
    return kept if splat_value(compare.operands[1]) == 0 else None
