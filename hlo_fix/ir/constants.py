"""Values of `stablehlo.constant` ops, decoded when a rule needs one (splats only: that is what index math uses)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.ir.tokens import tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op


def splat_integer(op: "Op") -> int | None:
    """`dense<160> : tensor<i32>` -> 160; None for non-splat, float or hex-encoded payloads."""
    tokens = tokenize(op.own_text, strict=False)
    for i, tok in enumerate(tokens[:-3]):
        if tok.type == "BARE_ID" and tok.value == "dense" and tokens[i + 1].type == "LESSTHAN":
            inner = tokens[i + 2]
            if inner.type == "INT" and tokens[i + 3].type == "MORETHAN":
                return int(inner.value)
            return None
    return None
