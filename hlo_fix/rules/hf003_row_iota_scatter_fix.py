"""HF003: a row-iota scatter becomes a one-hot mask over the expert axis and `select`s over the table.

    set, splat update c:       select(any over K of mask, c, base)
    set, per-element updates:  select(any, the update that hits, base)
    add / max / min:           select(any, combine(base, the update that hits), base)

The mask compares the column with an iota along E without clamping: StableHLO scatter skips an update whose
index is out of bounds, and an out-of-range column matches no position either. The update computation is read
from the scatter's region: `return %update` is set; `add`, `maximum` or `minimum` of the old value and the
update (in either order, which is kept) combine.

Repeated indices in a row (XLA applies them in index order: the last set wins, combinations happen in order)
get the `last` and `fold` forms of `scatter_emit`, so the rewrite stays exact; see `scatter_form` for the
choice and `applicability` for when the result is bit-identical for every input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlo_fix.index_tracing.exact import constant_origin
from hlo_fix.ir.accessors import static_shape
from hlo_fix.ir.element_types import integer_range, is_integer
from hlo_fix.ir.idioms import normalized_source
from hlo_fix.rule_api.pattern import RewritePattern
from hlo_fix.rules.onehot import scatter_emit
from hlo_fix.rules.onehot.access import OneHotAccess, Unsupported, scatter_access
from hlo_fix.rules.onehot.emit import column_value, one_hot_mask
from hlo_fix.sharding.annotations import see_through

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value

# The longest K a combination with possibly repeated indices is unrolled over (K selects and combinations, each
# of the table's size).
FOLD_LIMIT = 64


@dataclass
class ScatterMatch:
    access: OneHotAccess
    kind: str  # "set", or the combiner: "add", "maximum", "minimum"
    update_first: bool  # the region combines (update, old) rather than (old, update)
    splat: "Value | str | None"  # a splat set's constant: a rank-0 value, or the literal of a splat tensor
    distinct: bool  # each row's indices are provably distinct

    @property
    def form(self) -> str | None:
        return scatter_form(self)


def scatter_form(match: ScatterMatch) -> str | None:
    """`splat`, `last`, `sum` or `fold` (see `scatter_emit`); None when no exact-enough form exists."""
    access = match.access
    single_free = len(access.free_dims) == 1
    if match.kind == "set":
        if match.splat is not None:
            return "splat"
        return "last" if not match.distinct and single_free else "sum"
    if match.distinct or (match.kind == "add" and is_integer(access.table.type.element_type)):
        return "sum"
    if single_free and access.batch_shape[access.free_dims[0]] <= FOLD_LIMIT:
        return "fold"
    return "sum" if match.kind == "add" else None


class ScatterToOneHot(RewritePattern):
    shared_by_structure = True

    def match(self, ctx, op) -> ScatterMatch | None:
        try:
            access = scatter_access(op)
        except Unsupported:
            return None
        combiner = update_combiner(op)
        if combiner is None:
            return None
        kind, update_first = combiner
        splat = splat_constant(access.updates) if kind == "set" else None
        # `unique_indices = true` is a promise the rewrite does not lean on: repeated indices still get the exact
        # in-order forms, so the result agrees with scatter even when the promise is broken.
        distinct = not access.free_dims or distinct_rows(access)
        found = ScatterMatch(access, kind, update_first, splat, distinct)
        return found if found.form is not None else None

    def table_element_type(self, match: ScatterMatch) -> str:
        return match.access.table.type.element_type

    def applicability(self, match: ScatterMatch, strategy: str) -> str:
        form = match.form
        if form in ("splat", "fold"):
            return "safe"
        element_type = match.access.table.type.element_type
        exact_pick = strategy == "select" or is_integer(element_type) or element_type == "i1"
        if form == "last":
            return "safe" if exact_pick else "unsafe"
        if match.kind == "add" and is_integer(element_type):
            return "safe"  # integer addition is associative: duplicates add up the same in any order
        return "safe" if match.distinct and exact_pick else "unsafe"

    def message(self, match: ScatterMatch, strategy: str) -> str:
        form = match.form
        if form == "splat":
            return "Build a one-hot mask over the indexed axis and select the constant where any index hits"
        if form == "fold":
            return "Apply the updates through a one-hot mask over the indexed axis, one index position at a time"
        if form == "last":
            what = "select the last update that hits each entry"
        elif match.kind == "set":
            what = "select the update that hits each entry"
        else:
            what = f"{match.kind} the update that hits each entry"
        text = f"Build a one-hot mask over the indexed axis and {what}"
        if self.applicability(match, strategy) == "unsafe":
            reasons = []
            if not match.distinct and form == "sum":
                reasons.append("exact only when each row's indices are distinct")
            if strategy == "dot" and not is_integer(match.access.table.type.element_type):
                reasons.append("NaN/Inf updates and -0.0 change with `dot` (`--gather-strategy select` is exact)")
            text += "; unsafe: " + "; ".join(reasons)
        return text

    def rewrite(self, match: ScatterMatch, rewriter, strategy: str) -> None:
        access = match.access
        em = rewriter.emitter(access.op)
        base = rewriter.use(access.table)
        mask = one_hot_mask(em, column_value(em, rewriter, access), access.experts, clamp=False)
        form = match.form
        if form == "splat":
            if isinstance(match.splat, str):
                constant = em.constant(match.splat, base.element_type)
            else:
                constant = rewriter.use(match.splat)
            scatter_emit.splat_set(em, base, mask, constant, access)
        else:
            updates = rewriter.use(access.updates)
            if form == "last":
                scatter_emit.last_set(em, base, mask, updates, access, strategy)
            elif form == "fold":
                scatter_emit.folded(em, match.kind, match.update_first, base, mask, updates, access)
            else:
                scatter_emit.summed(
                    em, match.kind, match.update_first, base, mask, updates, access, strategy, distinct=match.distinct
                )
        rewriter.replace(access.op, em)


COMBINERS = {"stablehlo.add": "add", "stablehlo.maximum": "maximum", "stablehlo.minimum": "minimum"}


def update_combiner(op: "Op") -> tuple[str, bool] | None:
    """("set", False) for `return %update`; (combiner, update first) for `return add(%old, %update)` and the like."""
    if len(op.regions) != 1:
        return None
    region = op.regions[0]
    args = region.arguments
    ops = region.ops
    if len(args) != 2 or not ops or ops[-1].name not in ("stablehlo.return", "mhlo.return") or len(ops[-1].operands) != 1:
        return None
    returned = ops[-1].operands[0]
    if len(ops) == 1 and returned is args[1]:
        return "set", False
    if len(ops) == 2 and ops[0].name in COMBINERS and returned is ops[0].results[0] and len(ops[0].operands) == 2:
        lhs, rhs = ops[0].operands
        if lhs is args[0] and rhs is args[1]:
            return COMBINERS[ops[0].name], False
        if lhs is args[1] and rhs is args[0]:
            return COMBINERS[ops[0].name], True
    return None


def splat_constant(updates: "Value") -> "Value | str | None":
    """The constant every update equals: a rank-0 value it is broadcast from, or a splat literal."""
    origin = constant_origin(updates)
    if origin is None or origin.type is None:
        return None
    if origin.type.rank == 0:
        return origin
    text = origin.owner.own_text
    at = text.find("dense<")
    end = text.find(">", at)
    literal = text[at + len("dense<") : end].strip()
    return literal if at >= 0 and end > at and origin.type.element_type == updates.type.element_type else None


def distinct_rows(access: OneHotAccess) -> bool:
    """The column is a top_k's index output whose last dim is the only free index dim, so the indices of one
    row are distinct (seen through converts wide enough for them, jnp's normalization and sharding annotations)."""
    if access.free_dims != [len(access.batch_shape) - 1]:
        return False
    value = access.column
    widest_needed = None
    narrowest = None
    for _ in range(8):
        if value is None or value.owner is None or value.is_block_argument:
            return False
        value = see_through(value)  # explicit-mesh JAX constrains top_k's indices
        op = value.owner
        if op.name == "stablehlo.convert":
            held = integer_range(value.type.element_type)
            if held is None:
                return False
            narrowest = held[1] if narrowest is None else min(narrowest, held[1])
            value = op.operands[0]
            continue
        kept = normalized_source(value)
        if kept is not None:
            value = kept
            continue
        widest_needed = _top_k_input_size(value)
        break
    return widest_needed is not None and (narrowest is None or widest_needed - 1 <= narrowest)


def _top_k_input_size(value: "Value") -> int | None:
    """The size of the sorted axis when `value` is a top_k's index output."""
    op = value.owner
    if value.index != 1 or static_shape(value) is None or not op.operands:
        return None
    is_top_k = op.name == "chlo.top_k" or (op.name == "stablehlo.composite" and '"chlo.top_k"' in op.own_text)
    source = static_shape(op.operands[0])
    return source[-1] if is_top_k and source else None
