"""HF004 flat-index-gather."""

from __future__ import annotations

from typing import Iterator

from hlo_fix.rule_api.finding import Finding
from hlo_fix.rule_api.rule import Rule
from hlo_fix.rules.hf004_flat_index_gather_fix import FlatGatherToOneHot
from hlo_fix.rules.row_iota import describe_sharding, hazards_by_op, op_label, severity_for


class FlatIndexGather(Rule):
    """## What it does
    Flags a gather (or scatter) into a table reshaped to 1-D whose index is `row * E + col` with `row` an iota over
    a batch dimension: `x.reshape(-1)[jnp.arange(B)[:, None] * E + idx]`.

    ## Why is this bad?
    It carries both hazards of the seed bug at once. The row iota is wrong on every shard but the first when the
    batch axis is sharded (see HF002), and the flat index reaches `B * E - 1`, beyond what bf16/fp16-class index
    arithmetic represents exactly (see HF005): index 2609 came back as 2610.

    Severity: error when the batch dimension is sharded, warning when it is not.

    ## Example
    ```mlir
    %0 = stablehlo.reshape %x : (tensor<64x160xf32>) -> tensor<10240xf32>
    %1 = stablehlo.iota dim = 0 : tensor<64xi32>
    %2 = stablehlo.multiply %row, %c160 : tensor<64x1xi32>
    %3 = stablehlo.add %2b, %idx : tensor<64x8xi32>
    %4 = "stablehlo.gather"(%0, %3b) <{... start_index_map = [0] ...}> : (tensor<10240xf32>, ...) -> ...
    ```

    ## Fix
    Keep the table two-dimensional and gather with a one-hot over the expert axis (`einsum` with
    `idx[..., None] == jnp.arange(E)`), or `jnp.take_along_axis(x, idx, axis=1)`.

    ## Fix safety
    Unsafe. `hlo-fix fix` undoes the flattening (the table back to its `[B, E]` source, the index back to `idx`)
    and rewrites the result as HF002 does. For columns in `[0, E)` the result is bit-identical, but the flat form
    reads a neighbouring row for a column outside that range (`b * E + E` is row `b + 1`), which a per-row
    one-hot cannot do: it clamps the column to its own row instead. So it is applied only with `--unsafe-fixes`
    (or `extend-safe-fixes = ["HF004"]` for a model whose columns are always in range), and then with the `dot`
    strategy unless `--gather-strategy select` is given: a NaN or Inf elsewhere in the row also shows up as NaN
    (see HF002). Only rank-2 tables are rewritten, and only gathers.
    """

    code = "HF004"
    name = "flat-index-gather"
    severity = "error"
    summary = "gather from a flattened table indexed by row * E + col with a row iota"
    fix_applicability = "unsafe"
    fix = FlatGatherToOneHot()

    def check(self, ctx) -> Iterator[Finding]:
        for group in [g for kind in ("gather", "scatter") for g in hazards_by_op(ctx, kind, flat=True)]:
            hazard = group[0]
            access = hazard.access
            where = describe_sharding(hazard.sharding) if hazard.sharded else "not sharded yet"
            message = (
                f"{op_label(access.op)} into a flattened table with index `row * {hazard.term.scale} + col`, row "
                f"an iota over batch dim {hazard.term.dim} ({where}): wrong rows on every shard but the first, "
                f"and the flat index is inexact in low-precision index math"
            )
            yield ctx.finding(self, access.op, message, severity=severity_for(hazard))
