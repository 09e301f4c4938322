"""The forms a row-iota scatter is rewritten into, chosen by `scatter_onehot.scatter_form`.

XLA applies a scatter's updates one after the other in index order (StableHLO leaves the order of repeated
indices to the implementation): with repeated indices in a row the last `set` wins and combinations (`add`,
`maximum`, `minimum`) happen in that order. Each form reproduces that:

- `splat`: `select(hit, c, base)`; repeated indices write the same constant.
- `sum`: `select(hit, contribution, base)` or `select(hit, combine(base, contribution), base)`, the
  contribution being the one-hot sum of the updates: the update that hits when each row's indices are distinct
  (and, for integer `add`, the exact sum of the repeated ones, in any order).
- `last`: `set` with possible repeats: the last position along K that hits each entry wins, found with a
  `reduce maximum` of K positions, and its one-hot then picks exactly one update.
- `fold`: a combination with possible repeats: K steps `acc = select(hit_k, combine(acc, upd_k), acc)`, in
  index order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.rewrite.emit import Emitter, Typed
from hlo_fix.rules.onehot.emit import any_hit, scattered_sum, to_table_layout

if TYPE_CHECKING:
    from hlo_fix.rules.onehot.access import OneHotAccess

# Positions along K are compared in i32.
POSITION_TYPE = "i32"


def splat_set(em: Emitter, base: Typed, mask: Typed, constant: Typed, access: "OneHotAccess") -> Typed:
    hit = to_table_layout(em, any_hit(em, mask, access), access)
    value = em.broadcast_in_dim(constant, base.shape, [])
    return em.select(hit, value, base)


def summed(em: Emitter, kind: str, update_first: bool, base: Typed, mask: Typed, updates: Typed,
           access: "OneHotAccess", strategy: str, *, distinct: bool) -> Typed:
    """`set`: the contribution where some index hits; a combiner: combine(base, contribution) there. Elsewhere
    the base itself, so a `-0.0` in the table is kept."""
    contribution = scattered_sum(em, updates, mask, access, strategy, at_most_one=distinct)
    contribution = to_table_layout(em, contribution, access)
    hit = to_table_layout(em, any_hit(em, mask, access), access)
    if kind == "set":
        return em.select(hit, contribution, base)
    return em.select(hit, combine(em, kind, update_first, base, contribution), base)


def combine(em: Emitter, kind: str, update_first: bool, old: Typed, update: Typed) -> Typed:
    """The scatter region's computation, its operands in the region's order."""
    lhs, rhs = (update, old) if update_first else (old, update)
    return em.binary(kind, lhs, rhs)


def last_set(em: Emitter, base: Typed, mask: Typed, updates: Typed, access: "OneHotAccess", strategy: str):
    """`set` where the last of duplicate indices along the single free dim K wins."""
    (free,) = access.free_dims
    positions = em.iota(mask.shape, free, POSITION_TYPE)
    none = em.constant("-1", POSITION_TYPE)
    ranked = em.select(mask, positions, em.broadcast_in_dim(none, mask.shape, []))
    winner = em.reduce(ranked, none, "maximum", [free])
    kept = [d for d in range(len(mask.shape)) if d != free]
    won = em.compare("EQ", em.broadcast_in_dim(winner, mask.shape, kept), positions)
    contribution = to_table_layout(em, scattered_sum(em, updates, won, access, strategy, at_most_one=True), access)
    hit = to_table_layout(em, em.compare("NE", winner, em.broadcast_in_dim(none, winner.shape, [])), access)
    return em.select(hit, contribution, base)


def folded(em: Emitter, kind: str, update_first: bool, base: Typed, mask: Typed, updates: Typed,
           access: "OneHotAccess") -> Typed:
    """A combination applied one position of K at a time, in index order: exact for any repeats."""
    (free,) = access.free_dims
    spread = em.broadcast_in_dim(updates, mask.shape, range(len(updates.shape)))
    step_shape = [n for d, n in enumerate(mask.shape) if d != free]
    acc = base
    for k in range(mask.shape[free]):
        hit_k = to_table_layout(em, em.reshape(_at(em, mask, free, k), step_shape), access)
        update_k = to_table_layout(em, em.reshape(_at(em, spread, free, k), step_shape), access)
        acc = em.select(hit_k, combine(em, kind, update_first, acc, update_k), acc)
    return acc


def _at(em: Emitter, value: Typed, dim: int, k: int) -> Typed:
    starts = [k if d == dim else 0 for d in range(len(value.shape))]
    limits = [k + 1 if d == dim else n for d, n in enumerate(value.shape)]
    return em.slice(value, starts, limits)
