"""A key for "the same computation": an op's text plus the dataflow that feeds it, SSA names and locations left
out, down to a fixed depth.

A deep model repeats one layer thousands of times; gathers and scatters whose keys are equal are analysed once
(index decomposition, fix matching) and the answer is mapped onto the others through `order`, the values of the
walk in a fixed order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.ir.opkey import op_key

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value

DEPTH = 8
BUDGET = 96
# Index plumbing: the ops the index tracer and the fix matchers look through. Any other op ends the walk (its
# own text is in the key, its operands are not): what computed a top_k's input cannot change how its indices
# are used.
_PLUMBING = frozenset(
    {
        "stablehlo.convert",
        "stablehlo.bitcast_convert",
        "stablehlo.reshape",
        "stablehlo.broadcast_in_dim",
        "stablehlo.dynamic_broadcast_in_dim",
        "stablehlo.transpose",
        "stablehlo.select",
        "stablehlo.add",
        "stablehlo.subtract",
        "stablehlo.multiply",
        "stablehlo.compare",
        "stablehlo.clamp",
        "stablehlo.concatenate",
        "stablehlo.slice",
    }
)


class Structure:
    """`key` (hashable; None when the graph is too large to compare cheaply) and `order`, the values the walk
    reached, each at its position in the key (`positions`: by value id)."""

    __slots__ = ("key", "order", "positions")

    def __init__(self, key, order: list["Value"], positions: dict[int, int] | None = None):
        self.key = key
        self.order = order
        self.positions = positions if positions is not None else {id(v): i for i, v in enumerate(order)}


def structure(op: "Op") -> Structure:
    """The structure of the index plumbing that computes `op`'s operands after the first (the table or base: its
    type is in the op's own text). Arguments, calls and other computations are leaves: analyses that follow
    arguments or enter calls are not cached (see their callers)."""
    order: list["Value"] = []
    numbering: dict[int, int] = {}
    # Locals and a list built before the tuple: a deep model has a hundred thousand values to describe.
    known_number = numbering.get
    plumbing = _PLUMBING

    def describe(value: "Value", depth: int):
        known = known_number(id(value))
        if known is not None:
            return known
        if len(order) >= BUDGET:
            raise _TooLarge
        numbering[id(value)] = len(order)
        order.append(value)
        owner = value.owner
        if value.index < 0 or owner is None:
            return ("argument", value.index)
        if depth == 0:
            return ("deep",)
        if owner.name not in plumbing:
            return (op_key(owner), value.index)
        depth -= 1
        return (_node_key(owner), value.index, tuple([describe(v, depth) for v in owner.operands]))

    try:
        key = (op_key(op), tuple([describe(v, DEPTH) for v in op.operands[1:]]))
    except _TooLarge:
        key = None
    # `numbering` is each reached value's position in `order`.
    return Structure(key, order, numbering)


class _TooLarge(Exception):
    pass


# Ops whose pretty form has no attributes: their name and signature say everything but the operand names.
_NO_ATTRIBUTES = frozenset(
    {"stablehlo.add", "stablehlo.subtract", "stablehlo.multiply", "stablehlo.select", "stablehlo.convert",
     "stablehlo.reshape"}
)
# Ops whose pretty form lists all operands first, then every attribute: `broadcast_in_dim %x, dims = [0] : ...`.
_OPERANDS_FIRST = frozenset(
    {"stablehlo.broadcast_in_dim", "stablehlo.transpose", "stablehlo.concatenate", "stablehlo.iota",
     "stablehlo.constant"}
)


def _node_key(op: "Op"):
    """`op_key` without its regular expression where the pretty form allows: most nodes of an index structure
    are broadcasts, arithmetic and constants, and there are a hundred thousand of them in a deep model."""
    if op._segments is None and (op.name in _NO_ATTRIBUTES or op.name in _OPERANDS_FIRST):
        line = op.module.text[op.start : op.end]
        if '"' not in line and "{" not in line:
            end = line.rfind(" loc(")
            if end < 0:
                end = len(line)
            colon = line.rfind(" : ", 0, end)
            if colon >= 0:
                if op.name in _NO_ATTRIBUTES:
                    return (op.name, line[colon:end])
                if not op.operands:
                    head = line.find(op.name)
                    return (op.name, line[head + len(op.name) : end])
                last = op.operands[-1].name
                at = line.rfind(last, 0, colon)
                if at >= 0:
                    return (op.name, line[at + len(last) : end])
    return op_key(op)


def structure_of(ctx, op: "Op") -> Structure:
    """The op's structure, computed once per lint run. Equal keys are kept once: a layer repeated 2,000 times
    would otherwise hold 2,000 copies of the same nested tuples (20 MB of a 42 MB export's run)."""
    cache = ctx.cached("structures", dict)
    found = cache.get(id(op))
    if found is None:
        found = cache[id(op)] = structure(op)
        if found.key is not None:
            found.key = ctx.cached("structure-keys", dict).setdefault(found.key, found.key)
    return found
