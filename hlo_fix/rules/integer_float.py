"""Where integer values pass through a float: gathers from integer tables (which backends lower to an embedding
whose weights must be bf16) and integer -> float -> integer convert chains that carry an index. Found once per
module and shared by HF008 and its fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import TYPE_CHECKING

from hlo_fix.ir.element_types import integer_range, is_integer
from hlo_fix.rules.context_checks import in_manual_computation
from hlo_fix.rules.row_iota import row_iota_hazards
from hlo_fix.ir.calls import call_argument
from hlo_fix.rules.value_bounds import bound, magnitude, returned_value
from hlo_fix.sharding.analysis import analysis
from hlo_fix.sharding.annotations import is_annotation
from hlo_fix.ir.accessors import gather_numbers, scatter_numbers

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value

# The largest n such that every integer in [0, n] is exact in the float (HF005 uses the same table).
EXACT_INTEGERS = {"bf16": 2**8, "f16": 2**11, "tf32": 2**11, "f32": 2**24, "f64": 2**53}
# The float an embedding kernel takes its table in (ttnn.embedding: bf16 weights only).
EMBEDDING_FLOAT = "bf16"

# Float ops a chain may pass between its two converts: they move, select, round or combine the values.
_FLOAT_PATH = frozenset({
    "stablehlo.broadcast_in_dim", "stablehlo.reshape", "stablehlo.transpose", "stablehlo.slice",
    "stablehlo.reverse", "stablehlo.copy", "stablehlo.concatenate", "stablehlo.select", "stablehlo.clamp",
    "stablehlo.maximum", "stablehlo.minimum", "stablehlo.floor", "stablehlo.ceil", "stablehlo.round_nearest_even",
    "stablehlo.round_nearest_afz", "stablehlo.add", "stablehlo.subtract", "stablehlo.multiply",
    "stablehlo.negate", "stablehlo.abs", "stablehlo.pad",
})
# Integer ops an index passes on its way to the access that uses it.
_INDEX_PATH = _FLOAT_PATH | frozenset({"stablehlo.convert", "stablehlo.dynamic_broadcast_in_dim"})


@dataclass(frozen=True)
class IntegerTableGather:
    op: "Op"
    element_type: str
    largest: float  # the largest magnitude the table may hold
    known: bool  # the bound comes from the table's values, not only from its element type


@dataclass(frozen=True)
class IndexThroughFloat:
    op: "Op"  # the convert back to an integer
    source: "Op"  # the convert from an integer
    float_type: str
    largest: float  # the largest magnitude the float may carry
    extent: int | None  # entries of the access the index addresses (None: unknown)


def integer_float_hazards(ctx) -> list:
    return ctx.cached("integer-float", lambda: _find(ctx))


def _find(ctx) -> list:
    sharding = analysis(ctx)
    row_iota_ops = {id(h.access.op) for h in row_iota_hazards(ctx)}
    memo: dict = {}
    found: list = []
    for op in ctx.module.ops_named("stablehlo.gather", "stablehlo.dynamic_gather"):
        if id(op) in row_iota_ops or in_manual_computation(op, sharding) or _shape_polymorphic(op):
            continue  # HF002-HF004 rewrite row-iota accesses away
        hazard = _table_gather(op, memo)
        if hazard is not None:
            found.append(hazard)
    for op in ctx.module.ops_named("stablehlo.convert"):
        hazard = _index_through_float(op, memo)
        if hazard is not None and not in_manual_computation(op, sharding):
            found.append(hazard)
    return sorted(found, key=lambda h: h.op.start)


def _shape_polymorphic(op: "Op") -> bool:
    """The op's function has a dynamic (`?`) dim in its signature: a shape-polymorphic export (`jax.export` with
    symbolic dims), whose small integer gathers compute shapes from the dimension sizes. They fold to constants
    when the module is refined to static shapes, which is what a backend compiles."""
    function = op.function
    head = function.own_text if function is not None else ""
    return "<?" in head or "x?" in head


def _element_type(value: "Value") -> str | None:
    found = value.type
    return None if found is None else found.element_type


def _table_gather(op: "Op", memo: dict) -> IntegerTableGather | None:
    if not op.operands or not op.results:
        return None
    table = op.operands[0]
    element_type = _element_type(table)
    if element_type is None or not is_integer(element_type):
        return None
    found = bound(table, memo)
    largest = magnitude(found)
    if largest <= EXACT_INTEGERS[EMBEDDING_FLOAT]:
        return None
    return IntegerTableGather(op, element_type, largest, found != integer_range(element_type))


def _index_through_float(op: "Op", memo: dict) -> IndexThroughFloat | None:
    if len(op.operands) != 1 or not op.results:
        return None
    float_type = _element_type(op.operands[0])
    result_type = _element_type(op.results[0])
    if float_type not in EXACT_INTEGERS or result_type is None or integer_range(result_type) is None:
        return None
    source = _integer_source(op.operands[0])
    if source is None:
        return None
    largest = magnitude(bound(op.operands[0], memo))
    exact = EXACT_INTEGERS[float_type]
    if largest <= exact:
        return None
    indexed, extent = _index_extent(op.results[0])
    if not indexed or (extent is not None and extent <= exact + 1):
        return None  # not an index, or one clamped into the exact range by the access it addresses
    return IndexThroughFloat(op, source, float_type, largest, extent)


def _integer_source(value: "Value", depth: int = 0) -> "Op | None":
    """The convert from an integer that `value` (a float) was computed from, through value-moving float ops,
    sums (a `jnp.cumsum` in float: a reduce_window in a private function) and calls."""
    if depth > 24:
        return None
    if value.index < 0:
        passed = call_argument(value)
        return _integer_source(passed, depth + 1) if passed is not None else None
    op = value.owner
    if op is None:
        return None
    if op.name in ("call", "func.call"):
        returned = returned_value(op, value)
        return _integer_source(returned, depth + 1) if returned is not None else None
    if op.name in ("stablehlo.reduce", "stablehlo.reduce_window") and len(op.operands) == 2:
        return _integer_source(op.operands[0], depth + 1)
    if op.name == "stablehlo.convert" and op.operands:
        source = _element_type(op.operands[0])
        if source is not None and integer_range(source) is not None:
            return op
        return None
    if op.name in _FLOAT_PATH or is_annotation(op):
        for operand in op.operands:
            if _element_type(operand) == _element_type(value):
                found = _integer_source(operand, depth + 1)
                if found is not None:
                    return found
    return None


def _index_extent(value: "Value", depth: int = 0, seen: set | None = None) -> tuple[bool, int | None]:
    """Whether `value` reaches an index operand of a gather, scatter or dynamic slice, and how many entries the
    largest such access addresses (None when one is unknown)."""
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 24:
        return False, 0
    seen.add(id(value))
    indexed, extent = False, 0
    for user in value.users:
        here = _access_extent(user, value)
        if here is not False:
            indexed = True
            extent = None if here is None or extent is None else max(extent, here)
            continue
        if user.name in _INDEX_PATH or is_annotation(user):
            for result in user.results:
                reached, more = _index_extent(result, depth + 1, seen)
                if reached:
                    indexed = True
                    extent = None if more is None or extent is None else max(extent, more)
    return indexed, extent


def _access_extent(op: "Op", value: "Value"):
    """The entries `op` addresses with `value` as its index; False when `value` is not an index of `op`."""
    name = op.name
    operands = op.operands
    shape = operands[0].type.shape if operands and operands[0].type is not None else None
    if name in ("stablehlo.gather", "stablehlo.dynamic_gather") and len(operands) > 1 and operands[1] is value:
        dims = gather_numbers(op).get("start_index_map", [])
        return _product(shape, dims)
    if name == "stablehlo.scatter":
        count = len(op.results)
        if len(operands) > count and operands[count] is value:
            return _product(shape, scatter_numbers(op).get("scatter_dims_to_operand_dims", []))
        return False
    if name == "stablehlo.dynamic_slice" and value in operands[1:]:
        return _product(shape, [operands.index(value, 1) - 1])
    if name == "stablehlo.dynamic_update_slice" and value in operands[2:]:
        return _product(shape, [operands.index(value, 2) - 2])
    return False


def _product(shape, dims) -> int | None:
    if shape is None or any(d >= len(shape) or shape[d] is None for d in dims):
        return None
    return prod(shape[d] for d in dims)
