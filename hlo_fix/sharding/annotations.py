"""Ops that say where a value lives without changing it, and the value each one forwards.

Explicit-mesh JAX (`jax.make_mesh`'s default axes, `out_sharding=`, `jax.sharding.reshard`) wraps nearly every
value in `sdy.sharding_constraint` (Shardy) or `custom_call @Sharding` (GSPMD); `sdy.reshard` moves a value to
another sharding; `optimization_barrier` (remat) passes its operands through unchanged. A tracer that stops at
any of them misses the row iota behind it, so the index tracer, the fix matchers and the sharding links all ask
here. The manual boundary (`@SPMDFullToShardShape` / `@SPMDShardToFullShape`) changes shapes: a shard's slice is
not the global value, so only the round trip `ShardToFull(FullToShard(x))` forwards `x`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.ir.attributes import parse_string

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value

ANNOTATION_OPS = frozenset({"sdy.sharding_constraint", "sdy.reshard"})
BARRIER = "stablehlo.optimization_barrier"
SHARDING_TARGET = "Sharding"
# Custom calls that return their operand with a sharding attached: GSPMD's `@Sharding`, the PyTorch/XLA spelling
# legalized to it, and the function-result annotations of XLA's Shardy round trip.
SAME_VALUE_TARGETS = frozenset(
    {SHARDING_TARGET, "sharding.tensor_annotate", "xla.sdy.FuncResultSharding", "local_xla.sdy.FuncResultSharding"}
)
TO_SHARD = "SPMDFullToShardShape"
TO_FULL = "SPMDShardToFullShape"


def custom_call_target(op: "Op") -> str | None:
    """`@Sharding` in the pretty form, `call_target_name = "Sharding"` in the generic one."""
    if op.name != "stablehlo.custom_call":
        return None
    found = op.attributes.symbol()
    if found is not None:
        return found
    raw = op.attributes.get("call_target_name")
    return parse_string(raw) if raw and raw.startswith('"') else raw


def is_annotation(op: "Op") -> bool:
    """A same-shape op whose one result is its first operand, with a sharding attached."""
    return op.name in ANNOTATION_OPS or custom_call_target(op) in SAME_VALUE_TARGETS


def forwarded(value: "Value") -> "Value | None":
    """The value `value` equals when it comes out of an annotation, a barrier or a manual round trip; else None."""
    op = value.owner
    if op is None or value.index < 0 or not op.operands:
        return None
    name = op.name
    if name == BARRIER:
        return op.operands[value.index] if value.index < len(op.operands) else None
    if name in ANNOTATION_OPS:
        return op.operands[0] if value.index == 0 else None
    if name != "stablehlo.custom_call":
        return None  # asked of nearly every value a matcher or tracer passes: decided by the name alone
    target = custom_call_target(op)
    if target in SAME_VALUE_TARGETS:
        return op.operands[0] if value.index == 0 else None
    if target == TO_FULL:
        inner = see_through(op.operands[0])
        owner = inner.owner
        if owner is not None and inner.index == 0 and owner.operands and custom_call_target(owner) == TO_SHARD:
            return owner.operands[0]
    return None


def see_through(value: "Value", limit: int = 64) -> "Value":
    """The first value behind `value` that no annotation, barrier or manual round trip forwards."""
    for _ in range(limit):
        inner = forwarded(value)
        if inner is None:
            return value
        value = inner
    return value
