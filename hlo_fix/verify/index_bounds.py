"""Infer, per integer argument of the entry function, the range its values index into.

Random indices are only a useful test when most of them land inside the tensor they index: a gather
fed uniformly random int32s reads clamped corners only. So for each integer argument we look for where
it ends up and take the number of valid start positions there:

* strong evidence: the argument flows (through converts, reshapes, broadcasts, concatenates, adds,
  selects, clamps and calls) into the indices of a `gather`, `scatter`, `dynamic_slice` or
  `dynamic_update_slice`. The bound is `operand_dim - slice_size + 1` of the operand dimension that
  index position addresses; a concatenate along the index-vector dimension (how exporters build
  `[row_iota, idx]` index pairs) is split so each part gets its own dimension.
* weak evidence: the argument is compared with an `iota` (or a non-splat 1-D constant, an exported
  iota) of size n, the shape a one-hot rewrite takes; the bound is n.

The smallest strong bound wins, else the smallest weak one, so that every use stays in range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from hlo_fix.verify.module import ParsedModule, walk_operations

_MAX_TRACE_STEPS = 100_000

# Ops whose listed operands carry an index value through unchanged in meaning (possibly offset or clamped).
_PASS_THROUGH_OPERANDS = {
    "stablehlo.convert": (0,),
    "stablehlo.reshape": (0,),
    "stablehlo.broadcast_in_dim": (0,),
    "stablehlo.transpose": (0,),
    "stablehlo.slice": (0,),
    "stablehlo.select": (1, 2),
    "stablehlo.clamp": (1,),
    "stablehlo.add": (0, 1),
    "stablehlo.subtract": (0, 1),
    "stablehlo.maximum": (0, 1),
    "stablehlo.minimum": (0, 1),
}


@dataclass(frozen=True)
class IndexBound:
    """Indices for one argument are drawn from [0, bound); `source` says which op the bound comes from."""

    bound: int
    source: str


@dataclass(frozen=True)
class _Trace:
    """A value on the way back from an index operand: which index-vector positions it feeds, and where its
    own index-vector dimension is (None once a reshape or broadcast makes that unknowable)."""

    value: Any
    positions: frozenset[int]
    vector_dim: int | None
    offset: int = 0


def infer_index_bounds(parsed: ParsedModule) -> dict[int, IndexBound]:
    tracer = _ArgumentTracer(parsed)
    strong: dict[int, list[IndexBound]] = {}
    weak: dict[int, list[IndexBound]] = {}
    for op in walk_operations(parsed.module.operation):
        if op.name == "stablehlo.compare":
            _collect(weak, _compare_bounds(op, tracer))
        else:
            _collect(strong, _indexing_bounds(op, tracer))
    bounds = {arg: min(found, key=lambda b: b.bound) for arg, found in weak.items()}
    bounds.update({arg: min(found, key=lambda b: b.bound) for arg, found in strong.items()})
    return bounds


def _collect(into: dict[int, list[IndexBound]], found: Iterable[tuple[int, IndexBound]]) -> None:
    for arg, bound in found:
        if bound.bound > 0:
            into.setdefault(arg, []).append(bound)


def _indexing_bounds(op: Any, tracer: "_ArgumentTracer") -> Iterator[tuple[int, IndexBound]]:
    """(argument, bound) for each entry argument reaching an index operand of a gather/scatter/dynamic slice."""
    from jax._src.lib.mlir import ir
    from jax._src.lib.mlir.dialects import hlo

    name = op.name
    if name == "stablehlo.gather":
        numbers = hlo.GatherDimensionNumbers(op.attributes["dimension_numbers"])
        operand_shape = _shape(op.operands[0])
        slice_sizes = list(ir.DenseI64ArrayAttr(op.attributes["slice_sizes"]))
        limits = [operand_shape[d] - slice_sizes[d] + 1 for d in numbers.start_index_map]
        yield from _bounds_for_index_vector(tracer, op.operands[1], numbers.index_vector_dim, limits, name)
    elif name == "stablehlo.scatter":
        inputs = (len(op.operands) - 1) // 2
        numbers = hlo.ScatterDimensionNumbers(op.attributes["scatter_dimension_numbers"])
        operand_shape = _shape(op.operands[0])
        window = _scatter_window_sizes(operand_shape, _shape(op.operands[inputs + 1]), numbers)
        limits = [operand_shape[d] - window[d] + 1 for d in numbers.scattered_dims_to_operand_dims]
        yield from _bounds_for_index_vector(tracer, op.operands[inputs], numbers.index_vector_dim, limits, name)
    elif name in ("stablehlo.dynamic_slice", "stablehlo.dynamic_update_slice"):
        operand_shape = _shape(op.operands[0])
        if name == "stablehlo.dynamic_slice":
            sizes, first_index = list(ir.DenseI64ArrayAttr(op.attributes["slice_sizes"])), 1
        else:
            sizes, first_index = _shape(op.operands[1]), 2
        for dim, index in enumerate(list(op.operands)[first_index:]):
            bound = IndexBound(operand_shape[dim] - sizes[dim] + 1, f"{name} dimension {dim}")
            for arg, _ in tracer.arguments_reaching(_Trace(index, frozenset([0]), None)):
                yield arg, bound


def _bounds_for_index_vector(
    tracer: "_ArgumentTracer", indices: Any, index_vector_dim: int, limits: list[int], op_name: str
) -> Iterator[tuple[int, IndexBound]]:
    rank = len(_shape(indices))
    vector_dim = index_vector_dim if index_vector_dim < rank else None
    start = _Trace(indices, frozenset(range(len(limits))), vector_dim)
    for arg, positions in tracer.arguments_reaching(start):
        position = min(positions, key=lambda p: limits[p])
        yield arg, IndexBound(limits[position], f"{op_name} index position {position}")


def _scatter_window_sizes(operand_shape: list[int], update_shape: list[int], numbers: Any) -> list[int]:
    """Size of the update window along each operand dimension (1 for inserted and batching dimensions)."""
    collapsed = set(numbers.inserted_window_dims) | set(numbers.input_batching_dims)
    window_dims = iter(numbers.update_window_dims)
    return [1 if dim in collapsed else update_shape[next(window_dims)] for dim in range(len(operand_shape))]


def _compare_bounds(op: Any, tracer: "_ArgumentTracer") -> Iterator[tuple[int, IndexBound]]:
    lhs, rhs = op.operands[0], op.operands[1]
    for side, other in ((lhs, rhs), (rhs, lhs)):
        size = _iota_size(other)
        if size is None:
            continue
        for arg, _ in tracer.arguments_reaching(_Trace(side, frozenset([0]), None)):
            yield arg, IndexBound(size, f"compare with an iota of {size}")


def _iota_size(value: Any, depth: int = 16) -> int | None:
    """Length of the iota (or non-splat 1-D constant) `value` is built from by broadcasts, converts, reshapes
    and offsets (`iota + c`), if it is one."""
    from jax._src.lib.mlir import ir

    if depth == 0 or not isinstance(value, ir.OpResult):
        return None
    op = value.owner.operation
    if op.name == "stablehlo.iota":
        return _shape(op.result)[ir.IntegerAttr(op.attributes["iota_dimension"]).value]
    if op.name == "stablehlo.constant":
        shape = _shape(op.result)
        splat = ir.DenseElementsAttr(op.attributes["value"]).is_splat
        return shape[0] if len(shape) == 1 and not splat else None
    if op.name in ("stablehlo.broadcast_in_dim", "stablehlo.convert", "stablehlo.reshape"):
        return _iota_size(op.operands[0], depth - 1)
    if op.name in ("stablehlo.add", "stablehlo.subtract"):
        sizes = [_iota_size(operand, depth - 1) for operand in op.operands]
        return next((size for size in sizes if size is not None), None)
    return None


def _shape(value: Any) -> list[int]:
    from jax._src.lib.mlir import ir

    return list(ir.RankedTensorType(value.type).shape)


class _ArgumentTracer:
    """Walks index values back to the entry function's arguments, across calls in both directions."""

    def __init__(self, parsed: ParsedModule):
        from jax._src.lib.mlir import ir

        self._ir = ir
        self._entry_block = parsed.entry.regions[0].blocks[0]
        self._functions = parsed.functions()
        self._calls: dict[str, list[Any]] = {}
        for op in walk_operations(parsed.module.operation):
            if op.name == "func.call":
                callee = ir.FlatSymbolRefAttr(op.attributes["callee"]).value
                self._calls.setdefault(callee, []).append(op)

    def arguments_reaching(self, start: _Trace) -> Iterator[tuple[int, frozenset[int]]]:
        """(entry argument number, index positions it feeds) for every argument `start` is computed from."""
        pending, seen = [start], set()
        for _ in range(_MAX_TRACE_STEPS):
            if not pending:
                return
            trace = pending.pop()
            key = (trace.value, trace.positions, trace.vector_dim, trace.offset)
            if key in seen:
                continue
            seen.add(key)
            if isinstance(trace.value, self._ir.BlockArgument):
                argument = trace.value
                if argument.owner == self._entry_block:
                    yield argument.arg_number, trace.positions
                else:
                    pending.extend(self._call_operands(argument, trace))
            elif isinstance(trace.value, self._ir.OpResult):
                pending.extend(self._producer_operands(trace))

    def _call_operands(self, argument: Any, trace: _Trace) -> list[_Trace]:
        function = argument.owner.owner.operation
        if function.name != "func.func":
            return []
        name = self._ir.StringAttr(function.attributes["sym_name"]).value
        return [
            _Trace(call.operands[argument.arg_number], trace.positions, trace.vector_dim, trace.offset)
            for call in self._calls.get(name, [])
        ]

    def _producer_operands(self, trace: _Trace) -> list[_Trace]:
        ir = self._ir
        op = trace.value.owner.operation
        name = op.name
        if name == "func.call":
            callee = self._functions.get(ir.FlatSymbolRefAttr(op.attributes["callee"]).value)
            if callee is None:
                return []
            returned = callee.regions[0].blocks[0].operations[-1]
            result_number = trace.value.result_number
            return [_Trace(returned.operands[result_number], trace.positions, trace.vector_dim, trace.offset)]
        if name == "stablehlo.concatenate":
            return self._split_concatenate(op, trace)
        operands = _PASS_THROUGH_OPERANDS.get(name)
        if operands is None:
            return []
        vector_dim = self._operand_vector_dim(op, trace.vector_dim)
        return [_Trace(op.operands[i], trace.positions, vector_dim, trace.offset) for i in operands]

    def _split_concatenate(self, op: Any, trace: _Trace) -> list[_Trace]:
        dimension = self._ir.IntegerAttr(op.attributes["dimension"]).value
        if dimension != trace.vector_dim:
            return [_Trace(operand, trace.positions, trace.vector_dim, trace.offset) for operand in op.operands]
        parts, start = [], trace.offset
        for operand in op.operands:
            size = _shape(operand)[dimension]
            fed = frozenset(p for p in trace.positions if start <= p < start + size)
            if fed:
                parts.append(_Trace(operand, fed, trace.vector_dim, start))
            start += size
        return parts

    def _operand_vector_dim(self, op: Any, vector_dim: int | None) -> int | None:
        """Where the index-vector dimension of `op`'s result sits in its first operand, if still known."""
        if vector_dim is None:
            return None
        ir = self._ir
        name = op.name
        if name == "stablehlo.transpose":
            return list(ir.DenseI64ArrayAttr(op.attributes["permutation"]))[vector_dim]
        if name == "stablehlo.broadcast_in_dim":
            dims = list(ir.DenseI64ArrayAttr(op.attributes["broadcast_dimensions"]))
            if vector_dim not in dims:
                return None
            operand_dim = dims.index(vector_dim)
            same_size = _shape(op.operands[0])[operand_dim] == _shape(op.result)[vector_dim]
            return operand_dim if same_size else None
        if name in ("stablehlo.reshape", "stablehlo.slice"):
            return None
        return vector_dim
