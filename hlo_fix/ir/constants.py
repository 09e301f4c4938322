"""Values of `stablehlo.constant` ops, decoded when a rule needs one (splats only: that is what index math uses)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.ir.memo import TextTable
from hlo_fix.ir.opkey import op_key
from hlo_fix.ir.tokens import tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op

_UNKNOWN = object()
_SPLATS: TextTable[int | None] = TextTable()


def splat_integer(op: "Op") -> int | None:
    """`dense<160> : tensor<i32>` -> 160; None for non-splat, float or hex-encoded payloads. Decoded once per
    distinct constant text."""
    key = op_key(op)
    found = _SPLATS.get(key, _UNKNOWN)
    if found is _UNKNOWN:
        found = _SPLATS.put(key, _decode_splat(key))
    return found


def _decode_splat(text: str) -> int | None:
    tokens = tokenize(text, strict=False)
    for i, tok in enumerate(tokens[:-3]):
        if tok.type == "BARE_ID" and tok.value == "dense" and tokens[i + 1].type == "LESSTHAN":
            inner = tokens[i + 2]
            if inner.type == "INT" and tokens[i + 3].type == "MORETHAN":
                return int(inner.value)
            return None
    return None
