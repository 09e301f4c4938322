"""Bounds on the values a tensor can hold, for the rules that ask whether integers survive a float (HF008).

Interval arithmetic over the ops that compute indices and tables: an iota holds 0..n-1, a constant its own
elements, an argmax/top_k index 0..n-1, a convert from a narrow type that type's range; adds, multiplies,
selects, clamps and the ops that only move values combine or pass their operands' bounds. Anything else (an
argument, a load from a table of unknown values) holds its element type's whole range, and a float of unknown
origin any value. Bounds are exact integers (Python ints) or infinities, found once per value.
"""

from __future__ import annotations

import math
from math import prod
from typing import TYPE_CHECKING

from hlo_fix.ir.element_types import integer_range
from hlo_fix.index_tracing.constant_iota import MAX_ELEMENTS, dense_integers
from hlo_fix.rules.index_reductions import describe
from hlo_fix.sharding.annotations import forwarded
from hlo_fix.ir.calls import call_argument, call_graph

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value

Bound = tuple[float, float]
UNBOUNDED: Bound = (-math.inf, math.inf)
_DEPTH = 48

# Ops whose results hold only values of their (first few) operands: layout, selection and movement.
_MOVING = frozenset({
    "stablehlo.broadcast_in_dim", "stablehlo.reshape", "stablehlo.transpose", "stablehlo.slice",
    "stablehlo.reverse", "stablehlo.copy", "stablehlo.dynamic_broadcast_in_dim", "stablehlo.dynamic_reshape",
    "stablehlo.floor", "stablehlo.ceil", "stablehlo.round_nearest_even", "stablehlo.round_nearest_afz",
    "stablehlo.convert",
})
_UNION_ALL = frozenset({"stablehlo.concatenate", "stablehlo.maximum", "stablehlo.minimum", "stablehlo.pad"})
_FIRST_OPERAND = frozenset({"stablehlo.dynamic_slice", "stablehlo.gather", "stablehlo.dynamic_gather"})


def bound(value: "Value", memo: dict | None = None, depth: int = 0) -> Bound:
    """(lo, hi) with every element of `value` in [lo, hi]."""
    memo = {} if memo is None else memo
    key = id(value)
    if key not in memo:
        memo[key] = UNBOUNDED  # cycles (loops) stay unbounded
        memo[key] = _clip(value, _bound(value, memo, depth))
    return memo[key]


def _type_range(value: "Value") -> Bound:
    found = value.type
    span = integer_range(found.element_type) if found is not None else None
    return span if span is not None else UNBOUNDED


def _clip(value: "Value", found: Bound) -> Bound:
    lo, hi = _type_range(value)
    return max(found[0], lo), min(found[1], hi)


def _bound(value: "Value", memo: dict, depth: int) -> Bound:
    if depth > _DEPTH:
        return _type_range(value)
    nxt = depth + 1
    inner = forwarded(value)
    if inner is not None:
        return bound(inner, memo, nxt)
    if value.index < 0:
        passed = call_argument(value)
        return bound(passed, memo, nxt) if passed is not None else _type_range(value)
    op = value.owner
    if op is None:
        return _type_range(value)
    name = op.name
    operands = op.operands
    if name in ("stablehlo.iota", "stablehlo.dynamic_iota"):
        return _iota(op)
    if name == "stablehlo.constant":
        return _constant(op)
    if name in _MOVING:
        return bound(operands[0], memo, nxt) if operands else _type_range(value)
    if name in _FIRST_OPERAND:
        return bound(operands[0], memo, nxt)
    if name in _UNION_ALL:
        return _union([bound(v, memo, nxt) for v in (operands if name != "stablehlo.pad" else operands[:2])])
    if name == "stablehlo.select" and len(operands) == 3:
        return _union([bound(operands[1], memo, nxt), bound(operands[2], memo, nxt)])
    if name == "stablehlo.clamp" and len(operands) == 3:
        lo, _ = bound(operands[0], memo, nxt)
        _, hi = bound(operands[2], memo, nxt)
        x = bound(operands[1], memo, nxt)
        return max(x[0], lo), min(x[1], hi)
    if name in ("stablehlo.add", "stablehlo.subtract", "stablehlo.multiply") and len(operands) == 2:
        a, b = bound(operands[0], memo, nxt), bound(operands[1], memo, nxt)
        return _arith(name, a, b)
    if name == "stablehlo.negate":
        lo, hi = bound(operands[0], memo, nxt)
        return -hi, -lo
    if name == "stablehlo.abs":
        lo, hi = bound(operands[0], memo, nxt)
        return (0 if lo <= 0 <= hi else min(abs(lo), abs(hi))), max(abs(lo), abs(hi))
    if name in ("call", "func.call"):
        returned = returned_value(op, value)
        return bound(returned, memo, nxt) if returned is not None else _type_range(value)
    if name in ("stablehlo.reduce", "stablehlo.reduce_window") and len(op.results) == 1 and len(operands) == 2:
        return _summed(op, bound(operands[0], memo, nxt), bound(operands[1], memo, nxt), value)
    return _index_result(op, value)


def returned_value(call: "Op", result: "Value") -> "Value | None":
    """What the callee returns for `result` (a private function's `return` operand)."""
    callee = call_graph(call.module).callee(call)
    if callee is None or not callee.regions or not callee.regions[0].ops:
        return None
    ret = callee.regions[0].ops[-1]
    return ret.operands[result.index] if result.index < len(ret.operands) else None


def _summed(op: "Op", element: Bound, init: Bound, value: "Value") -> Bound:
    """A reduce or reduce_window (a cumsum) whose body adds, takes the max or the min of its arguments: n elements
    and the init summed (n the reduced extent or the window), or the union for max/min."""
    body = _body(op)
    if body in ("stablehlo.maximum", "stablehlo.minimum"):
        return _union([element, init])
    if body != "stablehlo.add":
        return _type_range(value)
    if op.name == "stablehlo.reduce_window":
        count = prod(op.attributes.ints("window_dimensions") or [0])
    else:
        shape = op.operands[0].type.shape if op.operands[0].type is not None else None
        dims = op.attributes.ints("dimensions") or []
        if shape is None or any(d >= len(shape) or shape[d] is None for d in dims):
            return _type_range(value)
        count = prod(shape[d] for d in dims)
    if not count:
        return _type_range(value)
    # Padding and partial windows add fewer elements: between none and `count` of them.
    return min(0, count * element[0]) + init[0], max(0, count * element[1]) + init[1]


def _body(op: "Op") -> str | None:
    """The one combining op of a reduction body: `applies stablehlo.add` (pretty) or the region's op."""
    text = op.own_text
    at = text.find(" applies ")
    if at >= 0:
        return text[at + len(" applies ") :].split()[0]
    inner = [o.name for region in op.regions for o in region.ops if o.name not in ("stablehlo.return", "return")]
    return inner[0] if len(inner) == 1 else None


def _iota(op: "Op") -> Bound:
    found = op.results[0].type
    if found is None or not found.shape:
        return UNBOUNDED
    attrs = op.attributes
    dim = attrs.int("iota_dimension")
    dim = dim if dim is not None else (attrs.int("dim") or 0)
    size = found.shape[dim] if dim < len(found.shape) else None
    return (0, size - 1) if size else UNBOUNDED


def _constant(op: "Op") -> Bound:
    found = op.results[0].type if op.results else None
    if found is None or not found.is_static:
        return UNBOUNDED
    if integer_range(found.element_type) is None:
        return _float_splat(op.own_text)
    count = prod(found.shape)
    if count > MAX_ELEMENTS:
        return _type_range(op.results[0])
    values = dense_integers(op.own_text, found.element_type, count)
    if not values:
        return _type_range(op.results[0])
    return min(values), max(values)


def _float_splat(text: str) -> Bound:
    """A float splat `dense<1.000000e+00>` holds its one value; hex payloads and lists stay unbounded."""
    at = text.find("dense<")
    end = text.find(">", at)
    if at < 0 or end < 0:
        return UNBOUNDED
    try:
        number = float(text[at + 6 : end])
    except ValueError:
        return UNBOUNDED
    return (number, number) if math.isfinite(number) else UNBOUNDED


def _index_result(op: "Op", value: "Value") -> Bound:
    """The index output of an argmax, top_k or argsort counts positions along the reduced dim."""
    reduction = describe(op)
    if reduction is not None and value.type is not None and integer_range(value.type.element_type) is not None:
        shape = reduction.data[0].type.shape if reduction.data[0].type is not None else None
        size = shape[reduction.dim] if shape else None
        if size:
            return 0, size - 1
    return _type_range(value)


def _union(bounds: list[Bound]) -> Bound:
    if not bounds:
        return UNBOUNDED
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


def _arith(name: str, a: Bound, b: Bound) -> Bound:
    if name == "stablehlo.add":
        return a[0] + b[0], a[1] + b[1]
    if name == "stablehlo.subtract":
        return a[0] - b[1], a[1] - b[0]
    products = [_times(x, y) for x in a for y in b]
    return min(products), max(products)


def _times(x: float, y: float) -> float:
    if x == 0 or y == 0:
        return 0
    return x * y


def magnitude(found: Bound) -> float:
    """The largest absolute value in the bound."""
    return max(abs(found[0]), abs(found[1]))
