"""Which dimensions of an op's operands and results are the same factor (Shardy's factor propagation model).

Each op kind says which (value, dim) pairs must be sharded alike: an elementwise op's dims line up, a broadcast's
operand dim i is result dim `dims[i]`, a dot_general's batch dims are shared by both sides and the result, a
reshape's merged dim follows its major part, and so on. A sharding found anywhere in a connected set of dims
applies to all of it. Approximations (documented in docs/sharding.md): sliced, padded and gathered dims keep their
link where Shardy would sometimes replicate; a private function called from several places merges its call sites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from hlo_fix.ir.accessors import (
    broadcast_dims,
    concatenate_axis,
    dot_numbers,
    gather_numbers,
    permutation,
    reduce_inputs,
    scatter_numbers,
    tensor_shape,
)
from hlo_fix.ir.attributes import symbol_name
from hlo_fix.ir.calls import CALL_OPS, RETURN_OPS, CallGraph
from hlo_fix.ir.shapes import reshape_groups
from hlo_fix.sharding.annotations import BARRIER, SAME_VALUE_TARGETS, TO_FULL, TO_SHARD, custom_call_target

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value

Link = tuple["Value", int, "Value", int]

# Ops whose operands and results share no factor this analysis should follow.
_OPAQUE = frozenset(
    {
        "stablehlo.iota",
        "stablehlo.constant",
        "stablehlo.custom_call",
        "stablehlo.rng",
        "stablehlo.rng_bit_generator",
        "sdy.manual_computation",
        "stablehlo.get_tuple_element",
        "stablehlo.tuple",
        "func.func",
        "module",
        "sdy.mesh",
    }
)
_DIM_KEEPING_CALLS = SAME_VALUE_TARGETS | {TO_SHARD, TO_FULL}
# Ops whose links reach beyond their own operands and results (callees, call sites, regions).
CONTEXT_LINKED = CALL_OPS | RETURN_OPS | frozenset({"stablehlo.while", "stablehlo.case", "stablehlo.if"})


def op_links(op: "Op", calls: CallGraph) -> list[Link]:
    """All dim links of one op (its operands with its results, and across calls and loops)."""
    name = op.name
    if name in _OPAQUE:
        return _sharding_custom_call_links(op) if name == "stablehlo.custom_call" else []
    handler = _HANDLERS.get(name)
    if handler is not None:
        return list(handler(op))
    if name in CALL_OPS:
        return list(_call_links(op, calls))
    if name in RETURN_OPS:
        return list(_return_links(op, calls))
    return list(_elementwise_links(op))


def _identity(a: "Value", b: "Value") -> Iterator[Link]:
    sa, sb = tensor_shape(a), tensor_shape(b)
    if sa is None or sb is None or len(sa) != len(sb):
        return
    for d in range(len(sa)):
        yield a, d, b, d


def _elementwise_links(op: "Op") -> Iterator[Link]:
    """Same-rank operands and results line up dim by dim (elementwise ops, convert, compare, select, clamp,
    sort, reverse, pad, slice, dynamic_slice and other shape-preserving ops; scalars broadcast)."""
    for result in op.results:
        for operand in op.operands:
            yield from _identity(operand, result)


def _broadcast_in_dim(op: "Op") -> Iterator[Link]:
    operand, result = op.operands[0], op.results[0]
    dims = broadcast_dims(op) or []
    so, sr = tensor_shape(operand), tensor_shape(result)
    if so is None or sr is None:
        return
    for i, d in enumerate(dims):
        if i < len(so) and d < len(sr) and so[i] == sr[d]:
            yield operand, i, result, d


def _transpose(op: "Op") -> Iterator[Link]:
    perm = permutation(op) or []
    for i, p in enumerate(perm):
        yield op.operands[0], p, op.results[0], i


def _reshape(op: "Op") -> Iterator[Link]:
    """Group dims by equal running products; within a group the major dims carry the sharding."""
    operand, result = op.operands[0], op.results[0]
    so, sr = tensor_shape(operand), tensor_shape(result)
    groups = reshape_groups(so, sr) if so is not None and sr is not None else None
    for source_dims, result_dims in groups or ():
        yield operand, source_dims[0], result, result_dims[0]


def _concatenate(op: "Op") -> Iterator[Link]:
    axis = concatenate_axis(op)
    result = op.results[0]
    for operand in op.operands:
        for a, da, b, db in _identity(operand, result):
            if da != axis:
                yield a, da, b, db


def _reduce(op: "Op") -> Iterator[Link]:
    """A variadic reduce (argmax reduces values and indices together) walks one iteration space: its inputs line
    up dim by dim, and every result has the inputs' kept dims."""
    dims = set(op.attributes.ints("dimensions") or [])
    inputs = reduce_inputs(op)
    for other in inputs[1:]:
        yield from _identity(inputs[0], other)
    so = tensor_shape(inputs[0]) if inputs else None
    if so is None:
        return
    kept = [d for d in range(len(so)) if d not in dims]
    for operand in inputs:
        for result in op.results:
            for j, d in enumerate(kept):
                yield operand, d, result, j


def _dot_general(op: "Op") -> Iterator[Link]:
    lhs, rhs = op.operands[0], op.operands[1]
    result = op.results[0]
    lb, rb, lc, rc = dot_numbers(op)
    sl, sr = tensor_shape(lhs), tensor_shape(rhs)
    if sl is None or sr is None:
        return
    out = 0
    for a, b in zip(lb, rb):
        yield lhs, a, result, out
        yield rhs, b, result, out
        out += 1
    for d in range(len(sl)):
        if d not in lb and d not in lc:
            yield lhs, d, result, out
            out += 1
    for d in range(len(sr)):
        if d not in rb and d not in rc:
            yield rhs, d, result, out
            out += 1
    for a, b in zip(lc, rc):
        yield lhs, a, rhs, b


def _gather(op: "Op") -> Iterator[Link]:
    """Result batch dims are the index's dims (less index_vector_dim); batching dims also tie to the operand; an
    offset dim that takes the whole operand dim (an embedding row's features, an expert's weight matrix) is that
    operand dim, as in Shardy's gather rule."""
    operand, indices, result = op.operands[0], op.operands[1], op.results[0]
    numbers = gather_numbers(op)
    si, sres = tensor_shape(indices), tensor_shape(result)
    if si is None or sres is None:
        return
    ivd = numbers.get("index_vector_dim", [len(si)])[0]
    offset = set(numbers.get("offset_dims", []))
    index_dims = [d for d in range(len(si)) if d != ivd]
    batch_dims = [d for d in range(len(sres)) if d not in offset]
    for i_dim, r_dim in zip(index_dims, batch_dims):
        yield indices, i_dim, result, r_dim
    for o_dim, i_dim in zip(numbers.get("operand_batching_dims", []), numbers.get("start_indices_batching_dims", [])):
        yield operand, o_dim, indices, i_dim
    so, sizes = tensor_shape(operand), op.attributes.ints("slice_sizes")
    if so is None or sizes is None or len(sizes) != len(so):
        return
    dropped = set(numbers.get("collapsed_slice_dims", [])) | set(numbers.get("operand_batching_dims", []))
    windows = [d for d in range(len(so)) if d not in dropped]
    for o_dim, r_dim in zip(windows, sorted(offset)):
        if sizes[o_dim] == so[o_dim] == sres[r_dim]:
            yield operand, o_dim, result, r_dim


def _scatter(op: "Op") -> Iterator[Link]:
    count = len(op.results)
    inputs = op.operands[:count]
    indices = op.operands[count]
    updates = op.operands[count + 1 :]
    numbers = scatter_numbers(op)
    si = tensor_shape(indices)
    for operand, result in zip(inputs, op.results):
        yield from _identity(operand, result)
    if si is None:
        return
    ivd = numbers.get("index_vector_dim", [len(si)])[0]
    window = set(numbers.get("update_window_dims", []))
    index_dims = [d for d in range(len(si)) if d != ivd]
    for update in updates:
        su = tensor_shape(update)
        if su is None:
            continue
        scatter_dims = [d for d in range(len(su)) if d not in window]
        for i_dim, u_dim in zip(index_dims, scatter_dims):
            yield indices, i_dim, update, u_dim
    for o_dim, i_dim in zip(numbers.get("input_batching_dims", []), numbers.get("scatter_indices_batching_dims", [])):
        for operand in inputs:
            yield operand, o_dim, indices, i_dim


def _top_k(op: "Op") -> Iterator[Link]:
    operand = op.operands[0]
    so = tensor_shape(operand)
    if so is None:
        return
    for result in op.results:
        for d in range(len(so) - 1):
            yield operand, d, result, d


def _while(op: "Op") -> Iterator[Link]:
    for i, (operand, result) in enumerate(zip(op.operands, op.results)):
        yield from _identity(operand, result)
        for region in op.regions:
            if i < len(region.arguments):
                yield from _identity(operand, region.arguments[i])
    if len(op.regions) == 2 and op.regions[1].ops:
        body_return = op.regions[1].ops[-1]
        for operand, result in zip(body_return.operands, op.results):
            yield from _identity(operand, result)


def _case(op: "Op") -> Iterator[Link]:
    for region in op.regions:
        if region.ops:
            for operand, result in zip(region.ops[-1].operands, op.results):
                yield from _identity(operand, result)


def _sharding_custom_call_links(op: "Op") -> list[Link]:
    """`custom_call @Sharding` is an identity with an annotation, and the manual boundary (`@SPMDFullToShardShape`,
    `@SPMDShardToFullShape`) keeps each dim where it is (a shard's dim is a slice of the full one); other custom
    calls are opaque."""
    if custom_call_target(op) in _DIM_KEEPING_CALLS and op.operands and op.results:
        return list(_identity(op.operands[0], op.results[0]))
    return []


def _optimization_barrier(op: "Op") -> Iterator[Link]:
    """Each result is its own operand, passed through (not every operand with every result, as elementwise)."""
    for operand, result in zip(op.operands, op.results):
        yield from _identity(operand, result)


def _call_links(op: "Op", calls: CallGraph) -> Iterator[Link]:
    callee = calls.callee(op)
    if callee is None or not callee.regions:
        return
    region = callee.regions[0]
    for operand, argument in zip(op.operands, region.arguments):
        yield from _identity(operand, argument)
    if region.ops and region.ops[-1].name in RETURN_OPS:
        for operand, result in zip(region.ops[-1].operands, op.results):
            yield from _identity(operand, result)


def _return_links(op: "Op", calls: CallGraph) -> Iterator[Link]:
    """What a region returns becomes its op's results: a function's call sites, a while body's loop results, a
    case/if branch's results."""
    parent = op.parent_op
    if parent is None:
        return
    if parent.name == "func.func":
        for call in calls.sites.get(symbol_name(parent), ()):
            for operand, result in zip(op.operands, call.results):
                yield from _identity(operand, result)
        return
    if parent.name == "stablehlo.while" and op.parent is not parent.regions[-1]:
        return  # the condition returns the loop predicate
    if parent.name in ("stablehlo.while", "stablehlo.case", "stablehlo.if"):
        for operand, result in zip(op.operands, parent.results):
            yield from _identity(operand, result)
        if parent.name == "stablehlo.while":
            for region in parent.regions:
                for operand, argument in zip(op.operands, region.arguments):
                    yield from _identity(operand, argument)


_HANDLERS = {
    "stablehlo.broadcast_in_dim": _broadcast_in_dim,
    "stablehlo.dynamic_broadcast_in_dim": _broadcast_in_dim,
    "stablehlo.transpose": _transpose,
    "stablehlo.reshape": _reshape,
    "stablehlo.concatenate": _concatenate,
    "stablehlo.reduce": _reduce,
    "stablehlo.dot_general": _dot_general,
    "stablehlo.gather": _gather,
    "stablehlo.scatter": _scatter,
    "chlo.top_k": _top_k,
    "stablehlo.while": _while,
    "stablehlo.case": _case,
    "stablehlo.if": _case,
    "stablehlo.dynamic_gather": _gather,
    BARRIER: _optimization_barrier,
}
