"""The one-hot building blocks the gather and scatter rewrites share.

    mask[i, t] = (column[i] == t)          t an iota along a new last axis of size E (the expert axis)
    gather:  out[i] = sum_t X[rows(i), t] * mask[i, t]     (dot) or a select + reduce over t (select)
    scatter: hit[r, t] = any over free i of mask; contribution[r, t] = sum over free i of upd[i] * mask[i, t]

Two ways to contract (`strategy`):
- "dot": `dot_general` with `precision = [HIGHEST, HIGHEST]`. Exact for finite values, but `0 * inf` and
  `0 * nan` of unselected entries are NaN, and a selected `-0.0` comes back as `+0.0` (it is summed with `+0.0`
  products).
- "select": `select(mask, x, -0.0)` then `reduce add` with init `-0.0`. `-0.0` is the exact identity of IEEE
  addition, so a sum of one selected value and any number of `-0.0` is that value, bit for bit, for every
  value including `-0.0`, infinities and NaN. Integers use 0, booleans `or` with false.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.fix.emit import Emitter, Typed
from hlo_fix.fix.values import integer_range

if TYPE_CHECKING:
    from hlo_fix.fix.onehot_access import OneHotAccess
    from hlo_fix.fix.rewriter import Rewriter


def neutral_literal(element_type: str) -> str:
    if element_type == "i1":
        return "false"
    if integer_range(element_type) is not None:
        return "0"
    return "-0.000000e+00"


def reducer(element_type: str) -> str:
    return "or" if element_type == "i1" else "add"


def is_integer(element_type: str) -> bool:
    return integer_range(element_type) is not None and element_type != "i1"


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


def select_or_neutral(em: Emitter, mask: Typed, values: Typed) -> Typed:
    """`values` where the mask is set, the reduction's identity elsewhere."""
    neutral = em.constant(neutral_literal(values.element_type), values.element_type)
    fill = em.broadcast_in_dim(neutral, values.shape, [])
    return em.select(mask, values, fill)


def reduce_neutral(em: Emitter, values: Typed, dims) -> Typed:
    neutral = em.constant(neutral_literal(values.element_type), values.element_type)
    return em.reduce(values, neutral, reducer(values.element_type), list(dims))


def gather_rows(em: Emitter, table: Typed, mask: Typed, access: "OneHotAccess", strategy: str) -> Typed:
    """out[i] = X[rows(i), column[i]], in the gather's result layout (the index batch dims in order)."""
    n = len(access.batch_shape)
    if strategy == "select" or table.element_type == "i1":
        position = {r.operand_dim: r.batch_dim for r in access.rows}
        position[access.expert_dim] = n
        spread = em.broadcast_in_dim(table, mask.shape, [position[d] for d in range(len(table.shape))])
        return reduce_neutral(em, select_or_neutral(em, mask, spread), [n])
    weights = em.convert(mask, table.element_type)
    product = em.dot_general(
        table,
        weights,
        lhs_batch=[r.operand_dim for r in access.rows],
        rhs_batch=[r.batch_dim for r in access.rows],
        lhs_contract=[access.expert_dim],
        rhs_contract=[n],
        element_type=table.element_type,
    )
    # dot_general puts the batch dims first, then the free index dims: back to the index's order.
    order = [r.batch_dim for r in access.rows] + access.free_dims
    permutation = [order.index(d) for d in range(n)]
    return product if permutation == list(range(n)) else em.transpose(product, permutation)


def any_hit(em: Emitter, mask: Typed, access: "OneHotAccess") -> Typed:
    """hit[rows..., t]: some free index position of that row selects t."""
    if not access.free_dims:
        return mask
    false = em.constant("false", "i1")
    return em.reduce(mask, false, "or", access.free_dims)


def scattered_sum(em: Emitter, updates: Typed, mask: Typed, access: "OneHotAccess", strategy: str) -> Typed:
    """contribution[rows..., t] = sum over the free index positions selecting t of their updates."""
    rows = [r.batch_dim for r in access.rows]
    if strategy == "select" or updates.element_type == "i1":
        spread = em.broadcast_in_dim(updates, mask.shape, range(len(updates.shape)))
        chosen = select_or_neutral(em, mask, spread)
        return reduce_neutral(em, chosen, access.free_dims) if access.free_dims else chosen
    weights = em.convert(mask, updates.element_type)
    return em.dot_general(
        updates,
        weights,
        lhs_batch=rows,
        rhs_batch=rows,
        lhs_contract=access.free_dims,
        rhs_contract=access.free_dims,
        element_type=updates.element_type,
    )


def to_table_layout(em: Emitter, value: Typed, access: "OneHotAccess") -> Typed:
    """[rows by batch dim..., E] -> the table's own dim order."""
    rank = len(access.rows) + 1
    slot = {r.operand_dim: k for k, r in enumerate(access.rows)}
    slot[access.expert_dim] = rank - 1
    permutation = [slot[d] for d in range(rank)]
    return value if permutation == list(range(rank)) else em.transpose(value, permutation)
