"""HF009: mark a sharded constant replicated, as HF001 marks an iota: the partitioner then slices each shard's own
block out of the whole constant, and no backend has to localize its values.

- Shardy: `{sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{}, ...]>]>}` on the constant (in the pretty form
  the attribute dictionary comes before the value: `stablehlo.constant {sdy.sharding = ...} dense<...>`).
- GSPMD: the constant gets a fresh name and a `stablehlo.custom_call @Sharding` with `mhlo.sharding =
  "{replicated}"` takes over its old name right after it.

Safe: a sharding annotation changes where values live, never what they are.
"""

from __future__ import annotations

from hlo_fix.ir.tokens import tokenize
from hlo_fix.rules.hf001_sharded_iota_fix import IotaMatch, ReplicateIota, with_attribute


class ReplicateConstant(ReplicateIota):
    """HF001's rewrite, for a `stablehlo.constant`."""

    op_name = "stablehlo.constant"
    noun = "constant"

    def rewrite(self, match: IotaMatch, rewriter, strategy: str) -> None:
        op = match.op
        if match.mesh is None:
            super().rewrite(match, rewriter, strategy)
            return
        dims = ", ".join("{}" for _ in op.results[0].type.shape)
        entry = f"sdy.sharding = #sdy.sharding_per_value<[<@{match.mesh}, [{dims}]>]>"
        rewriter.replace_text(op, with_leading_attribute(op.text, entry))


def with_leading_attribute(text: str, entry: str) -> str:
    """`stablehlo.constant dense<...>` with `{entry}` between the name and the value, where the pretty form keeps
    its attribute dictionary; the generic form takes it after its properties (`with_attribute`)."""
    tokens = tokenize(text, strict=False)
    name = next((i for i, t in enumerate(tokens) if t.type == "BARE_ID" and t.value == "stablehlo.constant"), None)
    if name is None or name + 1 >= len(tokens):
        return with_attribute(text, entry)
    after = tokens[name + 1]
    if after.type == "LBRACE":
        return f"{text[: after.end]}{entry}, {text[after.end :]}"
    at = tokens[name].end
    return f"{text[:at]} {{{entry}}}{text[at:]}"
