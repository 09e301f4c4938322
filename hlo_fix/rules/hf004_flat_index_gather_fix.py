"""HF004: `X.reshape(-1)[arange(B)[:, None] * E + idx]` is undone into the row gather `X[b, idx]` and then
rewritten as HF002 does: the table goes back to its `[B, E]` source, the index back to its expert part.

Always unsafe: the flat index reaches the neighbouring row when `idx` is outside [0, E) (`b * E + E` is row
`b + 1`, column 0, and a negative flat index wraps to the end of the table), which no per-row one-hot can
reproduce. For the indices the model means, in [0, E), both compute the same bits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.index_tracing.exact import scaled_iota, without_size_one_dim
from hlo_fix.ir.accessors import gather_numbers, static_shape
from hlo_fix.ir.element_types import integer_range
from hlo_fix.ir.idioms import normalized_source
from hlo_fix.rule_api.pattern import RewritePattern
from hlo_fix.rules.hf002_row_iota_gather_fix import emit_gather
from hlo_fix.rules.onehot.access import OneHotAccess, RowPair
from hlo_fix.sharding.annotations import see_through

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value


class FlatGatherToOneHot(RewritePattern):
    shared_by_structure = True

    def match(self, ctx, op) -> OneHotAccess | None:
        return flat_access(op)

    def table_element_type(self, match: OneHotAccess) -> str:
        return match.table.type.element_type

    def applicability(self, match: OneHotAccess, strategy: str) -> str:
        return "unsafe"

    def message(self, match: OneHotAccess, strategy: str) -> str:
        how = "select + reduce" if strategy == "select" else "dot_general"
        return (
            f"Index the [B, E] table with a one-hot over E ({how}); unsafe: a column outside [0, E) "
            f"reads a neighbouring row in the flat form"
        )

    def rewrite(self, match: OneHotAccess, rewriter, strategy: str) -> None:
        emit_gather(match, rewriter, strategy)


def flat_access(op: "Op") -> OneHotAccess | None:
    """The equivalent row gather of a flat gather into a reshaped rank-2 table, or None."""
    if op.name != "stablehlo.gather" or len(op.operands) != 2:
        return None
    flat_table, indices = see_through(op.operands[0]), op.operands[1]
    reshape = flat_table.owner
    if reshape is None or flat_table.is_block_argument or reshape.name != "stablehlo.reshape":
        return None
    table = reshape.operands[0]
    table_shape, index_shape = static_shape(table), static_shape(indices)
    if table_shape is None or len(table_shape) != 2 or index_shape is None:
        return None
    numbers = gather_numbers(op)
    if numbers.get("offset_dims") or numbers.get("operand_batching_dims") or numbers.get("start_index_map") != [0]:
        return None
    if op.attributes.ints("slice_sizes") != [1] or numbers.get("collapsed_slice_dims") != [0]:
        return None
    ivd = numbers.get("index_vector_dim", [0])[0]
    batch_shape = tuple(n for d, n in enumerate(index_shape) if d != ivd) if ivd < len(index_shape) else index_shape
    if static_shape(op.results[0]) != batch_shape:
        return None
    flat = indices if ivd >= len(index_shape) else without_size_one_dim(indices, ivd, batch_shape)
    if flat is None:
        return None
    parts = _row_and_column(flat, table_shape)
    if parts is None:
        return None
    batch_dim, column = parts
    if batch_shape[batch_dim] != table_shape[0] or static_shape(column) != batch_shape:
        return None
    return OneHotAccess(op, table, 1, [RowPair(0, batch_dim)], batch_shape, column, column, ivd)


def _row_and_column(flat: "Value", table_shape) -> tuple[int, "Value"] | None:
    """`row * E + column`, seen through integer converts and a normalization of the sum (both only matter for a
    column outside [0, E), where this rewrite is unsafe anyway): the row's batch dim and the column."""
    for _ in range(4):
        flat = see_through(flat)
        kept = normalized_source(flat)
        owner = flat.owner
        if kept is not None:
            flat = kept
        elif owner is not None and not flat.is_block_argument and owner.name == "stablehlo.convert":
            if integer_range(owner.operands[0].type.element_type) is None:
                return None
            flat = owner.operands[0]
        else:
            break
    flat = see_through(flat)
    op = flat.owner
    if op is None or flat.is_block_argument or op.name != "stablehlo.add":
        return None
    for row, column in (op.operands, tuple(reversed(op.operands))):
        found = scaled_iota(row)
        if found is not None and found[1] == table_shape[1]:
            return found[0], column
    return None
