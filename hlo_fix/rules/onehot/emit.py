"""The one-hot building blocks the gather and scatter rewrites share.

    mask[i, t] = (column[i] == t)          t an iota along a new last axis of size E (the expert axis)
    gather:  out[i] = X[rows(i), t] for the one t the mask selects
    scatter: hit[r, t] = any over free i of mask; contribution[r, t] = the update(s) of the free i selecting t

Two ways to pick the selected value (`strategy`):
- "dot": `dot_general` with `precision = [HIGHEST, HIGHEST]`, the one-hot converted to X's type. Exact for
  finite values, but `0 * inf` and `0 * nan` of unselected entries are NaN, and a selected `-0.0` comes back as
  `+0.0` (it is summed with `+0.0` products).
- "select": `select(mask, bits, 0)` and an integer `reduce add` over the bits of the values (`bitcast_convert`
  for floats). Exactly one entry is selected, so the result is its bits, whatever they are (`-0.0`, infinities,
  NaN payloads) and in whatever order or with whatever accumulators the backend reduces. (A float `reduce add`
  with `-0.0` as its identity is not enough: XLA's CPU row reduction starts some accumulators at `+0.0`.)
Integer sums with possibly repeated indices (scatter-add) use an integer `reduce add`, exact in any order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.ir.element_types import bits_type, integer_range, is_integer
from hlo_fix.rewrite.emit import Emitter, Typed

if TYPE_CHECKING:
    from hlo_fix.rewrite.rewriter import Rewriter
    from hlo_fix.rules.onehot.access import OneHotAccess


def column_value(em: Emitter, rw: "Rewriter", access: "OneHotAccess") -> Typed:
    """The data index with the index's batch shape (reshaped out of its concatenate piece when needed)."""
    if access.column is not None:
        return rw.use(access.column)
    return em.reshape(rw.use(access.column_piece), access.batch_shape)


def one_hot_mask(em: Emitter, column: Typed, experts: int, *, clamp: bool) -> Typed:
    """`column[i] == t` over a new last axis of size `experts`; with `clamp`, the column is first clamped to
    [0, experts-1] as gather clamps its start indices. Compared in a type wide enough for `experts - 1`."""
    element_type = column.element_type
    low, high = integer_range(element_type)
    if clamp:
        lo = em.constant("0", element_type)
        hi = em.constant(str(min(experts - 1, high)), element_type)
        column = em.clamp(lo, column, hi)
    if experts - 1 > high:
        column = em.convert(column, "ui64" if low == 0 else "i64")
    rank = len(column.shape)
    shape = (*column.shape, experts)
    spread = em.broadcast_in_dim(column, shape, range(rank))
    positions = em.iota(shape, rank, column.element_type)
    return em.compare("EQ", spread, positions)


def masked_pick(em: Emitter, mask: Typed, values: Typed, dims) -> Typed:
    """The value the mask selects along `dims` (at most one), all bits kept; zero bits where none is selected."""
    element_type = values.element_type
    as_bits = bits_type(element_type)
    bits = em.bitcast_convert(values, as_bits) if as_bits is not None else values
    boolean = bits.element_type == "i1"
    zero = em.constant("false" if boolean else "0", bits.element_type)
    chosen = em.select(mask, bits, em.broadcast_in_dim(zero, bits.shape, []))
    # An integer sum of one value and zeros is that value; unlike `or`, XLA's SPMD partitioner can all-reduce it
    # when E is sharded.
    picked = em.reduce(chosen, zero, "or" if boolean else "add", list(dims)) if dims else chosen
    return em.bitcast_convert(picked, element_type) if as_bits is not None else picked


def masked_total(em: Emitter, mask: Typed, values: Typed, dims) -> Typed:
    """The integer sum along `dims` of the values the mask selects (exact in any order: wrapping addition)."""
    zero = em.constant("0", values.element_type)
    chosen = em.select(mask, values, em.broadcast_in_dim(zero, values.shape, []))
    return em.reduce(chosen, zero, "add", list(dims)) if dims else chosen


def gather_rows(em: Emitter, table: Typed, mask: Typed, access: "OneHotAccess", strategy: str) -> Typed:
    """out[i, w] = X[rows(i), column[i], w], in the gather's result layout (index batch dims in order, the
    window dims at their offset dims)."""
    n = len(access.batch_shape)
    windows = access.window_dims
    if strategy == "select" or table.element_type == "i1":
        # Work in [i..., E, w...]: the table spread over the index batch dims, the mask over the windows.
        position = {r.operand_dim: r.batch_dim for r in access.rows}
        position[access.expert_dim] = n
        position.update({d: n + 1 + k for k, d in enumerate(windows)})
        shape = (*mask.shape, *(table.shape[d] for d in windows))
        spread = em.broadcast_in_dim(table, shape, [position[d] for d in range(len(table.shape))])
        full_mask = em.broadcast_in_dim(mask, shape, range(n + 1)) if windows else mask
        picked = masked_pick(em, full_mask, spread, [n])
        layout = [("i", d) for d in range(n)] + [("w", k) for k in range(len(windows))]
    else:
        weights = em.convert(mask, table.element_type)
        picked = em.dot_general(
            table,
            weights,
            lhs_batch=[r.operand_dim for r in access.rows],
            rhs_batch=[r.batch_dim for r in access.rows],
            lhs_contract=[access.expert_dim],
            rhs_contract=[n],
            element_type=table.element_type,
        )
        # dot_general's result: the batch dims, then the table's free (window) dims, then the free index dims.
        layout = [("i", r.batch_dim) for r in access.rows] + [("w", k) for k in range(len(windows))]
        layout += [("i", d) for d in access.free_dims]
    batch = iter(range(n))
    windows_in_order = iter(range(len(windows)))
    wanted = [
        ("w", next(windows_in_order)) if r in access.offset_dims else ("i", next(batch)) for r in range(len(layout))
    ]
    permutation = [layout.index(tag) for tag in wanted]
    return picked if permutation == list(range(len(layout))) else em.transpose(picked, permutation)


def any_hit(em: Emitter, mask: Typed, access: "OneHotAccess") -> Typed:
    """hit[rows..., t]: some free index position of that row selects t."""
    if not access.free_dims:
        return mask
    false = em.constant("false", "i1")
    return em.reduce(mask, false, "or", access.free_dims)


def scattered_sum(
    em: Emitter, updates: Typed, mask: Typed, access: "OneHotAccess", strategy: str, *, at_most_one: bool
) -> Typed:
    """contribution[rows..., t]: the updates of the free index positions that select t, summed (`at_most_one`:
    the caller knows at most one does, so the select strategy can pick its bits)."""
    rows = [r.batch_dim for r in access.rows]
    element_type = updates.element_type
    if strategy == "select" or element_type == "i1":
        spread = em.broadcast_in_dim(updates, mask.shape, range(len(updates.shape)))
        if at_most_one or element_type == "i1":
            return masked_pick(em, mask, spread, access.free_dims)
        if is_integer(element_type):
            return masked_total(em, mask, spread, access.free_dims)
    weights = em.convert(mask, element_type)
    return em.dot_general(
        updates,
        weights,
        lhs_batch=rows,
        rhs_batch=rows,
        lhs_contract=access.free_dims,
        rhs_contract=access.free_dims,
        element_type=element_type,
    )


def to_table_layout(em: Emitter, value: Typed, access: "OneHotAccess") -> Typed:
    """[rows by batch dim..., E] -> the table's own dim order."""
    rank = len(access.rows) + 1
    slot = {r.operand_dim: k for k, r in enumerate(access.rows)}
    slot[access.expert_dim] = rank - 1
    permutation = [slot[d] for d in range(rank)]
    return value if permutation == list(range(rank)) else em.transpose(value, permutation)
