"""HF008: a lookup from a small integer table becomes an integer one-hot select, so no embedding (and no float)
ever holds the table.

    clamp(idx, 0, N-1) -> compare EQ with an iota along N -> select(mask, table, 0) -> integer reduce add over N

The clamp keeps gather's semantics for every index (a start index past either end reads the first or last
entry), and exactly one entry is selected, so the integer sum is that entry: exact for every value, in any
reduction order. It costs N times the lookup, so only tables of at most `MAX_ENTRIES` entries along the indexed
dim (positions, lengths, small vocabularies) are rewritten; convert chains have no automatic fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import TYPE_CHECKING

from hlo_fix.index_tracing.exact import without_size_one_dim
from hlo_fix.ir.accessors import static_shape as shape_of
from hlo_fix.rule_api import RewritePattern
from hlo_fix.rules.integer_float import IntegerTableGather, integer_float_hazards
from hlo_fix.rules.onehot.access import OneHotAccess, gather_result_shape
from hlo_fix.rules.onehot.emit import column_value, gather_rows, one_hot_mask
from hlo_fix.ir.accessors import gather_numbers

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op

# The largest indexed dim rewritten, and the largest one-hot (elements) the rewrite may build.
MAX_ENTRIES = 4096
MAX_ONE_HOT = 1 << 26


@dataclass
class LookupMatch:
    access: OneHotAccess


class IntegerOneHotSelect(RewritePattern):
    # The match asks whether HF008 flagged the op, which bounds the table's values from the whole module.
    shared_by_structure = False

    def match(self, ctx, op) -> LookupMatch | None:
        hazards = ctx.cached("hf008-table-gathers", lambda: {
            id(h.op) for h in integer_float_hazards(ctx) if isinstance(h, IntegerTableGather)
        })
        if id(op) not in hazards:
            return None
        access = lookup_access(op)
        return None if access is None else LookupMatch(access)

    def applicability(self, match: LookupMatch, strategy: str) -> str:
        return "safe"

    def message(self, match: LookupMatch, strategy: str) -> str:
        return f"Select with an integer one-hot over the {match.access.experts} table entries (select + integer add)"

    def rewrite(self, match: LookupMatch, rewriter, strategy: str) -> None:
        access = match.access
        em = rewriter.emitter(access.op)
        mask = one_hot_mask(em, column_value(em, rewriter, access), access.experts, clamp=True)
        gather_rows(em, rewriter.use(access.table), mask, access, "select")
        rewriter.replace(access.op, em)


def lookup_access(op: "Op") -> OneHotAccess | None:
    """`table[idx]` / `jnp.take(table, idx, axis)`: a point gather along one operand dim, whole slices along the
    others, an explicit index vector dim of size 1; None for any other gather or a table too large."""
    if op.name != "stablehlo.gather" or len(op.operands) != 2 or len(op.results) != 1:
        return None
    table, indices = op.operands
    table_shape, index_shape, result_shape = shape_of(table), shape_of(indices), shape_of(op.results[0])
    if table_shape is None or index_shape is None or result_shape is None:
        return None
    numbers = gather_numbers(op)
    index_map = numbers.get("start_index_map", [])
    ivd = numbers.get("index_vector_dim", [len(index_shape)])[0]
    if len(index_map) != 1 or numbers.get("operand_batching_dims") or ivd >= len(index_shape):
        return None
    dim = index_map[0]
    if numbers.get("collapsed_slice_dims", []) != [dim] or index_shape[ivd] != 1:
        return None
    windows = [d for d in range(len(table_shape)) if d != dim]
    sizes = op.attributes.ints("slice_sizes")
    if sizes != [1 if d == dim else table_shape[d] for d in range(len(table_shape))]:
        return None
    batch_shape = tuple(n for d, n in enumerate(index_shape) if d != ivd)
    offset_dims = sorted(numbers.get("offset_dims", []))
    access = OneHotAccess(
        op, table, dim, [], batch_shape, without_size_one_dim(indices, ivd, batch_shape), indices, ivd,
        window_dims=windows, offset_dims=offset_dims,
    )
    expected = gather_result_shape(access, table_shape)
    entries = table_shape[dim]
    if expected != result_shape or entries > MAX_ENTRIES or prod(batch_shape) * prod(table_shape) > MAX_ONE_HOT:
        return None
    return access
