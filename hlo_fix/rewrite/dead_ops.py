"""Ops that only fed a rewritten op: the row iota, its broadcasts and normalization, the concatenate.

After a rewrite the replaced op no longer uses its old operands, so a side-effect-free op whose every result is
now unused (except by other dead ops) is dropped, working backwards from the replaced ops. A value the new text
still names is kept, and so is anything another op in the module uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op

# Ops without side effects or regions that the exported index plumbing is made of.
REMOVABLE = frozenset(
    {
        "stablehlo.iota",
        "stablehlo.constant",
        "stablehlo.broadcast_in_dim",
        "stablehlo.reshape",
        "stablehlo.convert",
        "stablehlo.concatenate",
        "stablehlo.compare",
        "stablehlo.add",
        "stablehlo.subtract",
        "stablehlo.multiply",
        "stablehlo.select",
        "stablehlo.clamp",
        "stablehlo.transpose",
        "stablehlo.slice",
        "stablehlo.maximum",
        "stablehlo.minimum",
    }
)


def dead_ops(replaced: Iterable["Op"], kept_value_ids: set[int]) -> list["Op"]:
    """Ops made dead by replacing `replaced` (whose old operand uses vanish), in no particular order."""
    gone = {id(op) for op in replaced}
    removed: dict[int, "Op"] = {}
    pending = [value.owner for op in replaced for value in op.operands if value.owner is not None]
    while pending:
        op = pending.pop()
        key = id(op)
        if key in removed or key in gone or op.name not in REMOVABLE or op.regions or not op.results:
            continue
        if any(id(r) in kept_value_ids or _has_live_user(r, gone, removed) for r in op.results):
            continue
        removed[key] = op
        pending.extend(value.owner for value in op.operands if value.owner is not None and not value.is_block_argument)
    return list(removed.values())


def _has_live_user(value, gone: set[int], removed: dict[int, "Op"]) -> bool:
    return any(id(user) not in gone and id(user) not in removed for user in value.users)
