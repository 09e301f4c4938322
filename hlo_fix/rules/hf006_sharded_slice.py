"""HF006 sharded-slice."""

from __future__ import annotations

from typing import Iterator

from hlo_fix.rule_api import Finding, Rule
from hlo_fix.rules.hf006_sharded_slice_fix import ReplicateNarrowedDims
from hlo_fix.rules.index_reductions import top_k_decompositions
from hlo_fix.rules.narrowing import SlicedShard, sliced_shards
from hlo_fix.rules.row_iota import op_label
from hlo_fix.rules.shard_words import shards_of


class ShardedSlice(Rule):
    """## What it does
    Flags a `stablehlo.slice`, `stablehlo.dynamic_slice` or `stablehlo.dynamic_update_slice` that narrows a
    dimension sharded over the device mesh: a slice with start != 0, limit != size or stride != 1 along it, a
    dynamic_slice that keeps (a dynamic_update_slice that writes) less than all of it. The commonest source is
    `jnp.split` / `torch.chunk` of a fused column-parallel projection: `x @ W` with `W` sharded
    `P(None, "model")` puts the sharded output features on the dot_general's result, and the chunks
    (`[Q | K | V]`, `[gate | up]`, adaLN's 6 or 12 modulation vectors) cut across the shards. Shardings are found
    by propagating the module's declarations through dot_general's batch and free dims, elementwise ops,
    reshapes, whole-row gathers and the rest (docs/sharding.md). Silent on slices along unsharded dims, on a
    stride-k interleave (`x[..., ::2]`, `x[..., 1::2]`) whose shards each hold a whole number of strides
    (shard-local), and inside manual computations (shard_map).

    ## Why is this bad?
    A slice's bounds are global positions. A backend that localizes the op by rewriting its bounds per shard
    reads the wrong elements on every shard whenever the slice does not span the dim. tt-mlir scaled start and
    limit by the shard count: HiDream's adaLN `chunk(12)` of a column-parallel `Linear(2560, 30720)` over a
    4-way axis turned `[0:2560]` into `[0:640]` of each 7680-wide shard, PCC -0.61 (tt-xla#5862, fixed by
    replicating the operand in tt-mlir PR #9167). FLUX.2's fused `to_qkv_mlp_proj` split gave PCC 0.008
    (tt-xla#5314), OmniGen's fused `gate_up_proj` split 0.0096 (tt-xla#5490); both were worked around by
    resharding the model. A dynamic_slice has the same problem with its sizes and its runtime start: tt-mlir PR
    #9274 (open) leaves `sizes` global when it localizes the result, and XLA's own SPMD partitioner clamps a
    partitioned dynamic_slice's start per shard instead of globally (openxla/xla#49122, open), and drops a
    dynamic_update_slice whose start needs clamping (openxla/xla#49118, open): a KV-cache write into a
    sequence-sharded cache is that op.

    ## Example
    ```mlir
    %0 = stablehlo.dot_general %x, %w, contracting_dims = [1] x [0]
           : (tensor<8x32xf32>, tensor<32x96xf32>) -> tensor<8x96xf32>
    %1 = stablehlo.slice %0 [0:8, 32:64] : (tensor<8x96xf32>) -> tensor<8x32xf32>  // %w is sharded [{}, {"model"}]
    ```

    ## Fix
    Replicate the narrowed dim before the op: Shardy `sdy.sharding_constraint %0 <@mesh, [{?}, {}]>` (the
    narrowed dims closed and empty, the others open), GSPMD `stablehlo.custom_call @Sharding` with
    `mhlo.sharding = "{replicated}"` and `backend_config = "unspecified_dims=[...]"` for the other dims. In JAX,
    `jax.lax.with_sharding_constraint(y, P(P.UNCONSTRAINED, None))` before `jnp.split`; in PyTorch/XLA,
    `xs.mark_sharding(y, mesh, (0, None))`. Cheaper where it applies: one projection per chunk (`x @ W_q`,
    `x @ W_k`, ... each column-parallel), so no slice crosses a shard and no collective is needed. That split
    belongs in the model: inside the module it would slice the sharded weight instead, the same hazard.

    A dynamic_slice or dynamic_update_slice also gets its start clamped into `[0, size - window]` explicitly,
    as the op clamps it anyway: with the start already in range, XLA's partitioner has nothing to clamp per
    shard. Measured on XLA CPU over 8 devices: a 16-row window with start 60 out of a `[64, 32]` buffer whose
    result stays batch-sharded comes out as rows 60-63 four times partitioned (rows 48-63 on one device), with
    or without the replicate constraints; with the clamp it is rows 48-63 partitioned too.

    ## Fix safety
    Safe: `hlo-fix fix` inserts the constraint (and, for the dynamic ops, the clamp) before the op and points
    the op at it. A sharding constraint changes where a value lives, not what it is, and the clamp is the one
    dynamic_slice applies itself. Verified bit for bit on XLA CPU, on one device and partitioned over 8.
    """

    code = "HF006"
    name = "sharded-slice"
    severity = "error"
    summary = "slice, dynamic_slice or dynamic_update_slice that narrows a dimension sharded across devices"
    fix_applicability = "safe"
    fix = ReplicateNarrowedDims()

    def check(self, ctx) -> Iterator[Finding]:
        inside_top_k = top_k_decompositions(ctx.module)
        for hazard in sliced_shards(ctx):
            function = hazard.op.function if inside_top_k else None
            if function is not None and (function.attributes.symbol() or "") in inside_top_k:
                continue  # the top_k composite that calls it is the op the user wrote (HF007 reports it)
            yield ctx.finding(self, hazard.op, message(hazard))


def message(hazard: SlicedShard) -> str:
    narrowing, dim, label = hazard.narrowing, hazard.sharding, op_label(hazard.op)
    start = "its start is a global offset, and " if narrowing.start is None else ""
    return (
        f"{label} {narrowing.describe()}, which is {shards_of(dim, narrowing.size)}: {start}a backend that "
        f"localizes it per shard {'writes' if narrowing.writes else 'reads'} the wrong elements on every shard; "
        f"replicate dim {narrowing.dim} before the {label}"
    )
