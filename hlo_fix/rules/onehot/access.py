"""What a one-hot rewrite needs to know about a row-iota gather or scatter, or why it cannot be rewritten.

The supported form is the one exporters print for `x[arange(B)[:, None], idx]` (and its scatter twin): an index
vector built by a `concatenate` along `index_vector_dim` whose pieces are exact row iotas (one per batch dim,
`values.iota_dim`) and exactly one data piece, the column into the expert axis E; every indexed dim read one
element at a time, no batching dims. A gather may also take whole slices along dims it does not index (an
embedding row `x[rows, idx]` from `[B, E, D]`: offset dims); a scatter must address single elements. Then

    out[i, ...] = X[rows(i), column[i], ...]   (gather; the column clamped to [0, E-1])
    base[rows(i), column[i]] op= upd[i]        (scatter; an out-of-range column is skipped)

where `i` runs over the index's batch dims. Each row dim of X pairs with the index batch dim its iota runs
over; the other index batch dims (K) are "free".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hlo_fix.index_tracing.exact import iota_dim, without_size_one_dim
from hlo_fix.ir.accessors import concatenate_axis, gather_numbers, scatter_numbers, static_shape
from hlo_fix.sharding.annotations import see_through

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value


@dataclass(frozen=True)
class RowPair:
    """Operand dim `operand_dim` is indexed by the position along index batch dim `batch_dim`."""

    operand_dim: int
    batch_dim: int


@dataclass
class OneHotAccess:
    op: "Op"
    table: "Value"  # the gather's operand, or the scatter's base
    expert_dim: int  # the operand dim the data index addresses
    rows: list[RowPair]  # sorted by batch_dim
    batch_shape: tuple[int, ...]  # the index's dims without index_vector_dim
    column: "Value | None"  # the data index with shape batch_shape, when one exists in the module
    column_piece: "Value"  # the data piece of the concatenate (batch_shape with a size-1 dim at ivd)
    index_vector_dim: int
    updates: "Value | None" = None  # scatter only
    window_dims: list[int] = field(default_factory=list)  # gather: operand dims taken whole (not indexed)
    offset_dims: list[int] = field(default_factory=list)  # gather: where the window dims land in the result

    @property
    def experts(self) -> int:
        return self.table.type.shape[self.expert_dim]

    @property
    def free_dims(self) -> list[int]:
        paired = {r.batch_dim for r in self.rows}
        return [d for d in range(len(self.batch_shape)) if d not in paired]


class Unsupported(Exception):
    """Why a flagged access has no automatic rewrite (shown in debugging, not to users)."""


def gather_access(op: "Op") -> OneHotAccess:
    if op.name != "stablehlo.gather" or len(op.operands) != 2 or len(op.results) != 1:
        raise Unsupported("not a plain gather")
    numbers = gather_numbers(op)
    table, indices = op.operands
    rank = _rank(table)
    index_map = numbers.get("start_index_map", [])
    if numbers.get("operand_batching_dims"):
        raise Unsupported("gather with batching dims")
    windows = [d for d in range(rank) if d not in index_map]
    offset_dims = numbers.get("offset_dims", [])
    if sorted(numbers.get("collapsed_slice_dims", [])) != sorted(index_map) or len(offset_dims) != len(windows):
        raise Unsupported("gather that keeps an indexed slice dim")
    sizes = op.attributes.ints("slice_sizes")
    table_shape = static_shape(table)
    if sizes != [table_shape[d] if d in windows else 1 for d in range(rank)]:
        raise Unsupported("gather of partial slices")
    access = _access(op, table, indices, index_map, numbers.get("index_vector_dim", [0])[0])
    access.window_dims, access.offset_dims = windows, sorted(offset_dims)
    if static_shape(op.results[0]) != gather_result_shape(access, table_shape):
        raise Unsupported("gather result shape differs from its index batch shape and windows")
    return access


def gather_result_shape(access: OneHotAccess, table_shape) -> tuple[int, ...]:
    """The shape a gather of `access` returns: its index batch dims, with the table's windows at `offset_dims`."""
    batch = iter(access.batch_shape)
    windows = iter(table_shape[d] for d in access.window_dims)
    rank = len(access.batch_shape) + len(access.window_dims)
    return tuple(next(windows) if r in access.offset_dims else next(batch) for r in range(rank))


def scatter_access(op: "Op") -> OneHotAccess:
    if op.name != "stablehlo.scatter" or len(op.operands) != 3 or len(op.results) != 1:
        raise Unsupported("not a single-operand scatter")
    numbers = scatter_numbers(op)
    table, indices, updates = op.operands
    rank = _rank(table)
    if numbers.get("update_window_dims") or numbers.get("input_batching_dims"):
        raise Unsupported("scatter with window or batching dims")
    if sorted(numbers.get("inserted_window_dims", [])) != list(range(rank)):
        raise Unsupported("scatter of windows larger than one element")
    index_map = numbers.get("scatter_dims_to_operand_dims", [])
    if sorted(index_map) != list(range(rank)):
        raise Unsupported("not every operand dim is indexed")
    access = _access(op, table, indices, index_map, numbers.get("index_vector_dim", [0])[0])
    if static_shape(updates) != access.batch_shape:
        raise Unsupported("scatter updates shape differs from the index batch shape")
    access.updates = updates
    return access


def _rank(table: "Value") -> int:
    shape = static_shape(table)
    if shape is None:
        raise Unsupported("operand shape unknown or dynamic")
    return len(shape)


def _access(op: "Op", table: "Value", indices: "Value", index_map: list[int], ivd: int) -> OneHotAccess:
    rank = _rank(table)
    index_shape = static_shape(indices)
    if index_shape is None or ivd >= len(index_shape) or index_shape[ivd] != len(index_map):
        raise Unsupported("index vector dim is not an explicit dim of the index")
    if len(set(index_map)) != len(index_map) or any(not 0 <= d < rank for d in index_map):
        raise Unsupported("index map is not a set of operand dims")
    batch_shape = tuple(n for d, n in enumerate(index_shape) if d != ivd)
    pieces = _concatenated_pieces(indices, ivd)
    if len(pieces) != len(index_map):
        raise Unsupported("index vector is not a concatenate of one piece per component")
    rows, data = [], []
    table_shape = static_shape(table)
    for piece, operand_dim in zip(pieces, index_map):
        dim = iota_dim(piece)
        if dim is None or dim == ivd:
            data.append((piece, operand_dim))
            continue
        batch_dim = dim if dim < ivd else dim - 1
        if table_shape[operand_dim] != batch_shape[batch_dim]:
            raise Unsupported("row iota and operand dim differ in size")
        rows.append(RowPair(operand_dim, batch_dim))
    if len(data) != 1 or not rows:
        raise Unsupported("not exactly one data component beside row iotas")
    if len({r.batch_dim for r in rows}) != len(rows):
        raise Unsupported("two row iotas over the same index dim")
    piece, expert_dim = data[0]
    column = without_size_one_dim(piece, ivd, batch_shape)
    rows.sort(key=lambda r: r.batch_dim)
    return OneHotAccess(op, table, expert_dim, rows, batch_shape, column, piece, ivd)


def _concatenated_pieces(indices: "Value", ivd: int) -> list["Value"]:
    indices = see_through(indices)
    op = indices.owner
    if op is None or indices.is_block_argument or op.name != "stablehlo.concatenate":
        return []
    if concatenate_axis(op) != ivd:
        return []
    for piece in op.operands:
        shape = static_shape(piece)
        if shape is None or len(shape) <= ivd or shape[ivd] != 1:
            return []
    return list(op.operands)
