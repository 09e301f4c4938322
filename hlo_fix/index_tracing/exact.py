"""Exact facts about index values that a rewrite may rely on (the linter's tracer is deliberately looser).

A rewrite replaces a gather by a computation that must agree for every input, so "this component is a row iota"
must mean exactly `value[..., i, ...] == i` along one dim: an iota seen through broadcasts, size-1 reshapes,
integer converts that keep its range, sharding annotations and barriers (`hlo_fix.sharding.annotations`), and
jnp's negative-index normalization `select(x < 0, x + n, x)`, which returns `x` for the non-negative iota. An
integer constant holding 0, 1, 2, ... (torch_xla's `torch.arange`) counts as an iota. An offset (`iota + 1`) or a
scale is not a row iota here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.index_tracing.constant_iota import constant_iota_dim
from hlo_fix.ir.accessors import broadcast_dims, iota_dimension, static_shape
from hlo_fix.ir.element_types import integer_range
from hlo_fix.ir.idioms import normalized_source, splat_value
from hlo_fix.sharding.annotations import forwarded, see_through

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value


def constant_origin(value: "Value") -> "Value | None":
    """The rank-0 or splat constant a value is broadcast from (through broadcasts, reshapes and converts)."""
    while True:
        value = see_through(value)
        op = value.owner
        if op is None or value.is_block_argument:
            return None
        if op.name == "stablehlo.constant":
            return value if _is_splat_constant(op) else None
        if op.name in ("stablehlo.broadcast_in_dim", "stablehlo.reshape", "stablehlo.convert"):
            source = op.operands[0]
            if source.type is not None and source.type.rank == 0:
                return source if _is_constant_chain(source) else None
            value = source
            continue
        return None


def _is_constant_chain(value: "Value") -> bool:
    op = value.owner
    while op is not None and not value.is_block_argument and op.name in ("stablehlo.convert", "stablehlo.reshape"):
        value = see_through(op.operands[0])
        op = value.owner
    return op is not None and not value.is_block_argument and op.name == "stablehlo.constant"


def _is_splat_constant(op: "Op") -> bool:
    text = op.own_text
    at = text.find("dense<")
    return at >= 0 and not text[at + 6 :].lstrip().startswith(("[", '"'))


def iota_dim(value: "Value", depth: int = 0) -> int | None:
    """The dim along which `value` equals 0, 1, 2, ... exactly (constant along every other dim), or None."""
    op = value.owner
    shape = static_shape(value)
    if op is None or value.is_block_argument or shape is None or depth > 32:
        return None
    name = op.name
    if name == "stablehlo.iota":
        return iota_dimension(op)
    if name == "stablehlo.constant":
        return constant_iota_dim(op)
    inner_value = forwarded(value)
    if inner_value is not None:
        return iota_dim(inner_value, depth + 1)
    if name == "stablehlo.broadcast_in_dim":
        source = op.operands[0]
        inner = iota_dim(source, depth + 1)
        dims = broadcast_dims(op)
        source_shape = static_shape(source)
        if inner is None or dims is None or source_shape is None or inner >= len(dims):
            return None
        return dims[inner] if source_shape[inner] == shape[dims[inner]] else None
    if name == "stablehlo.reshape":
        source = op.operands[0]
        inner = iota_dim(source, depth + 1)
        return None if inner is None else _reshaped_dim(static_shape(source), shape, inner)
    if name == "stablehlo.convert":
        source = op.operands[0]
        inner = iota_dim(source, depth + 1)
        target = integer_range(value.type.element_type)
        if inner is None or target is None or integer_range(source.type.element_type) is None:
            return None
        return inner if shape[inner] - 1 <= target[1] else None
    if name == "stablehlo.select":
        kept = normalized_source(value)
        return None if kept is None else iota_dim(kept, depth + 1)
    return None


def _reshaped_dim(source_shape, result_shape, dim: int) -> int | None:
    """Where a dim lands under a reshape that only adds or drops size-1 dims."""
    if source_shape is None or result_shape is None or source_shape[dim] == 1:
        return None
    big_source = [d for d, n in enumerate(source_shape) if n != 1]
    big_result = [d for d, n in enumerate(result_shape) if n != 1]
    if [source_shape[d] for d in big_source] != [result_shape[d] for d in big_result]:
        return None
    return big_result[big_source.index(dim)]


def scaled_iota(value: "Value", depth: int = 0) -> tuple[int, int] | None:
    """(dim, scale) when `value` equals `scale * iota` along dim exactly: `iota * E` of a flat index."""
    op = value.owner
    shape = static_shape(value)
    if op is None or value.is_block_argument or shape is None or depth > 32:
        return None
    direct = iota_dim(value)
    if direct is not None:
        return direct, 1
    inner_value = forwarded(value)
    if inner_value is not None:
        return scaled_iota(inner_value, depth + 1)
    if op.name == "stablehlo.multiply":
        for operand, other in (op.operands, reversed(op.operands)):
            scale = splat_value(other)
            inner = iota_dim(operand)
            if scale is not None and inner is not None:
                return inner, scale
        return None
    if op.name == "stablehlo.broadcast_in_dim":
        source = op.operands[0]
        inner = scaled_iota(source, depth + 1)
        dims = broadcast_dims(op)
        source_shape = static_shape(source)
        if inner is None or dims is None or source_shape is None:
            return None
        dim, scale = inner
        return (dims[dim], scale) if source_shape[dim] == shape[dims[dim]] else None
    if op.name == "stablehlo.reshape":
        inner = scaled_iota(op.operands[0], depth + 1)
        if inner is None:
            return None
        dim = _reshaped_dim(static_shape(op.operands[0]), shape, inner[0])
        return None if dim is None else (dim, inner[1])
    return None


def without_size_one_dim(value: "Value", dim: int, target_shape) -> "Value | None":
    """The value of shape `target_shape` that `value` only adds a size-1 `dim` to (broadcast or reshape)."""
    value = see_through(value)
    op = value.owner
    if op is None or value.is_block_argument:
        return None
    if op.name not in ("stablehlo.broadcast_in_dim", "stablehlo.reshape"):
        return None
    source = op.operands[0]
    if static_shape(source) != tuple(target_shape):
        return None
    if op.name == "stablehlo.broadcast_in_dim":
        dims = broadcast_dims(op)
        expected = [d for d in range(len(target_shape) + 1) if d != dim]
        if dims != expected:
            return None
    return source
