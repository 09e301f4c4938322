"""HF007 sharded-index-reduction."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from hlo_fix.rule_api import Finding, Rule
from hlo_fix.rules.hf007_sharded_index_reduction_fix import ReplicateReducedDim
from hlo_fix.rules.index_reductions import sharded_reductions
from hlo_fix.rules.row_iota import describe_sharding
from hlo_fix.sharding.analysis import analysis


class ShardedIndexReduction(Rule):
    """## What it does
    Flags an op that returns *positions* along a dimension when that dimension is sharded over the device mesh:
    `jnp.argmax` / `argmin` (a two-operand `stablehlo.reduce` of the values and an iota along the reduced dim,
    with a compare/select reducer), `lax.top_k` (`chlo.top_k`, the serialized `stablehlo.composite "chlo.top_k"`,
    `custom_call @TopK`), `lax.approx_max_k` (`custom_call @ApproxTopK`, along its `reduction_dim`) and `jnp.argsort` / `torch.topk` (`stablehlo.sort` with an iota payload
    along the sorted dim). Shardings are found by propagating the module's own (`sdy.sharding`, `mhlo.sharding`,
    sharding constraints) through the dataflow, `dot_general`'s free dims included: `argmax(h @ W_vocab)` with a
    column-parallel lm_head reduces over the vocab dim that `W_vocab`'s sharding splits.

    Silent when the dim is not sharded or is replicated by a constraint before the op (this rule's fix), when
    the op runs inside a manual computation (`shard_map` / `sdy.manual_computation`: every shard reduces its own
    data by construction), and for reductions over other dims (argmax over the unsharded expert axis of
    batch-sharded logits).

    ## Why is this bad?
    Each shard holds a slice of the dim, and an index computed on a slice counts from 0. Combining shards needs
    the shard's offset added and a max-with-index across shards, which partitioners and backends get wrong:

    - tt-mlir#8623 (open): Shardy partitions a sharded-axis argmax into a per-shard reduce and an `all_reduce`
      whose reducer is `add`, applied to the index output; on 2 chips the device returned 1818 where the CPU
      returned 833 (the sum of the two shard-local argmaxes). JAX and PyTorch/XLA reproduce it alike.
    - tt-xla PR #5004: `torch.argmax` on vocab-sharded logits returns a local index; the greedy-decode path had
      to gather the logits first, or route through a custom top-k.
    - tt-mlir PR #8601 added a custom sharding rule for top-k that adds `shard_i * vocab_per_shard` to each
      shard's indices ("a plain sharded topk ... wouldn't do that correction"); PR #9029 fixed a regression of it
      on rank-3 inputs (DeepSeek-V3's MoE gate).
    - jax#19271 (open): `lax.top_k` over a dim sharded across 8 GPUs returned a top-1 smaller than the top-4's
      first element.

    This is the default shape of tensor-parallel greedy decoding, so the wrong token is silent.

    ## Example
    ```mlir
    // W_vocab [64, 512] sharded on its vocab dim: the logits' dim 1 is sharded over "model"
    %0 = stablehlo.dot_general %h, %w, contracting_dims = [1] x [0] : (tensor<8x64xf32>, tensor<64x512xf32>) -> tensor<8x512xf32>
    %1 = stablehlo.iota dim = 1 : tensor<8x512xi32>
    %2:2 = stablehlo.reduce(%0 init: %cst), (%1 init: %c) across dimensions = [1] : ...
    ```

    ## Fix
    Replicate the reduced dim before the op, keeping the other dims as they are: Shardy
    `sdy.sharding_constraint %x <@mesh, [{?}, {}]>` (the reduced dim closed and empty, the others open), GSPMD
    `stablehlo.custom_call @Sharding(%x) {backend_config = "unspecified_dims=[0]", mhlo.sharding = "{replicated}"}`.
    In JAX: `jax.lax.with_sharding_constraint(logits, P(*batch_axes, None))` before `jnp.argmax` (explicit-axes
    meshes already refuse `lax.top_k` over a sharded axis: "The input should be unsharded over the axis"); in
    PyTorch/XLA: `xs.mark_sharding(logits, mesh, (batch_axis, None))`, what tt-xla PR #5004 does on its greedy path.
    The partitioner then gathers the dim and every device reduces the whole of it. A sharded reduction with an
    explicit offset and a cross-shard combine (`shard_map`, tt-mlir PR #8601's custom top-k) moves less data for
    large vocabularies, but has to be written by hand.

    ## Fix safety
    Safe: `hlo-fix fix` inserts the constraint on each data operand whose dim is sharded (and on an iota payload
    that a constraint of its own shards, as explicit-axes JAX writes) and points the op at it. A sharding
    constraint changes where values live, never what they are: the rewrite is verified bit for bit on XLA CPU,
    unpartitioned and partitioned against the partitioned original (`hlo-fix verify --spmd 8`), on the fixtures
    and on transformers' gpt-oss and Llama4 greedy steps. (XLA's own partitioner already gathers the dim for a
    variadic reduce, so on XLA the original is right too; the constraint makes it explicit for partitioners and
    backends that do not, like tt-mlir#8623's.)
    """

    code = "HF007"
    name = "sharded-index-reduction"
    severity = "error"
    summary = "argmax/argmin, top_k or argsort over a dimension that is sharded across devices"
    fix_applicability = "safe"
    fix = ReplicateReducedDim()

    def check(self, ctx) -> Iterator[Finding]:
        sharding = analysis(ctx)
        for reduction, found in sharded_reductions(ctx):
            message = (
                f"{reduction.label} over dim {reduction.dim}, which is {describe_sharding(found)}: each shard "
                f"counts its indices from 0, and partitioners combine them wrongly (Shardy sums them); replicate "
                f"the dim before the op"
            )
            data = {"dim": reduction.dim, "axes": list(found.axes), "kind": reduction.kind}
            finding = ctx.finding(self, reduction.op, message, data=data)
            yield finding if finding.source is not None else with_call_site_source(finding, reduction.op, sharding)


def with_call_site_source(finding: Finding, op, sharding) -> Finding:
    """JAX lowers `jnp.argmax` and `jnp.argsort` into private functions whose ops carry no Python frame; the
    call into the function does (`call @argmax(...) loc(...)`): the finding names that line. Only for a
    function with one call site, where the line is unambiguous."""
    function = op.function
    calls = sharding.calls
    if function is None or calls is None:
        return finding
    sites = calls.sites.get(function.attributes.symbol() or "", [])
    if len(sites) != 1:
        return finding
    location = sites[0].location
    source = location.python_source() if location is not None else None
    if source is None:
        return with_call_site_source(finding, sites[0], sharding) if sites[0].function is not function else finding
    return replace(finding, source=source)
