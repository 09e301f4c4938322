"""HF002: a row-iota gather `out[i] = X[rows(i), idx[i]]` becomes a one-hot contraction over the expert axis.

    clamp(idx, 0, E-1) -> broadcast to [i.., E] -> compare EQ with an iota along E -> contract with X

The clamp keeps StableHLO gather's semantics for every index value: gather clamps each start index so the slice
stays in bounds, so an index past either end reads the first or last entry of its row. X's row dims become
`dot_general` batching dims (or a broadcast, for the select strategy), so no index ever names another row.
"""

from __future__ import annotations

from hlo_fix.ir.element_types import is_integer
from hlo_fix.rule_api.pattern import RewritePattern
from hlo_fix.rules.onehot.access import OneHotAccess, Unsupported, gather_access
from hlo_fix.rules.onehot.emit import column_value, gather_rows, one_hot_mask


class GatherToOneHot(RewritePattern):
    shared_by_structure = True

    def match(self, ctx, op) -> OneHotAccess | None:
        try:
            return gather_access(op)
        except Unsupported:
            return None

    def table_element_type(self, match: OneHotAccess) -> str:
        return match.table.type.element_type

    def applicability(self, match: OneHotAccess, strategy: str) -> str:
        return gather_applicability(match, strategy)

    def message(self, match: OneHotAccess, strategy: str) -> str:
        return gather_message(match, strategy)

    def rewrite(self, match: OneHotAccess, rewriter, strategy: str) -> None:
        emit_gather(match, rewriter, strategy)


def gather_applicability(access: OneHotAccess, strategy: str) -> str:
    """`select` (and any contraction of integers) is exact for every value; `dot` changes NaN/Inf rows and -0.0."""
    element_type = access.table.type.element_type
    return "safe" if strategy == "select" or is_integer(element_type) or element_type == "i1" else "unsafe"


def gather_message(access: OneHotAccess, strategy: str) -> str:
    if strategy == "select":
        return "Select with a one-hot over the indexed axis (select + reduce), batching over the row dims"
    how = "Contract with a one-hot over the indexed axis (dot_general, precision HIGHEST), batching over the row dims"
    if gather_applicability(access, strategy) == "unsafe":
        how += "; unsafe: NaN/Inf elsewhere in a row and -0.0 change, `--gather-strategy select` is exact"
    return how


def emit_gather(access: OneHotAccess, rewriter, strategy: str) -> None:
    em = rewriter.emitter(access.op)
    mask = one_hot_mask(em, column_value(em, rewriter, access), access.experts, clamp=True)
    gather_rows(em, rewriter.use(access.table), mask, access, strategy)
    rewriter.replace(access.op, em)
