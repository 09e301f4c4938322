"""Whether a `stablehlo.constant` holds the same values on every shard of a dim (tt-mlir calls it *periodic*).

A backend that localizes a constant by shrinking it keeps one shard's block of values for every shard; that is only
right when the blocks along the sharded dim are all equal. Elements are compared as printed (`dense<[0, 1, 2]>`:
MLIR prints each value one way) or as raw bytes of a hex blob (`dense<"0x...">`), so no payload is decoded into
numbers, whatever its element type. Only constants of at most `MAX_ELEMENTS` elements are read.
"""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

from hlo_fix.ir.opkey import op_key
from hlo_fix.ir.tokens import matching_close, tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op

MAX_ELEMENTS = 1 << 20
_SEPARATORS = frozenset({"LSQB", "RSQB", "COMMA", "WS"})


class Payload:
    """A constant's elements in row-major order: printed texts (`width` 1 each) or a hex blob (`width` bytes
    each). A splat has one element."""

    def __init__(self, items: "list[str] | bytes", width: int):
        self.items = items
        self.width = width

    @property
    def count(self) -> int:
        return len(self.items) // self.width

    def periodic(self, shape: tuple[int, ...], dim: int, ways: int) -> bool:
        """Every one of `ways` equal blocks along `dim` holds what the first holds (a splat always does). A dim
        that `ways` does not divide must be constant along it."""
        if self.count == 1:
            return True
        size = shape[dim]
        block = size // ways if size % ways == 0 else 1
        inner = prod(shape[dim + 1 :]) * self.width
        span = size * inner
        for start in range(0, len(self.items), span):
            first = self.items[start : start + block * inner]
            for offset in range(start + block * inner, start + span, block * inner):
                if self.items[offset : offset + block * inner] != first:
                    return False
        return True


def payload(op: "Op") -> Payload | None:
    """The elements of a `dense<...>` constant with a static shape, or None (other attributes, too large)."""
    if op.name != "stablehlo.constant" or len(op.results) != 1:
        return None
    found = op.results[0].type
    if found is None or not found.is_static or not found.shape or prod(found.shape) > MAX_ELEMENTS:
        return None
    count = prod(found.shape)
    tokens = tokenize(op_key(op), strict=False)
    start = next(
        (i for i in range(len(tokens) - 1) if tokens[i].value == "dense" and tokens[i + 1].type == "LESSTHAN"), None
    )
    if start is None:
        return None
    close = matching_close(tokens, start + 1)
    inner = tokens[start + 2 : close]
    if len(inner) == 1 and inner[0].type == "STRING" and inner[0].value.startswith('"0x'):
        try:
            raw = bytes.fromhex(inner[0].value[3:-1])
        except ValueError:
            return None
        if len(raw) % count == 0:
            return Payload(raw, len(raw) // count)
        return None
    items: list[str] = []
    pending = ""
    depth = 0  # inside `(re, im)` of a complex element
    for tok in inner:
        if depth == 0 and tok.type in _SEPARATORS:
            if pending:
                items.append(pending)
                pending = ""
            continue
        depth += tok.type == "LPAR"
        depth -= tok.type == "RPAR"
        pending += tok.value
    if pending:
        items.append(pending)
    return Payload(items, 1) if len(items) in (1, count) else None
