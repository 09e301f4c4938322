"""HF001 sharded-iota."""

from __future__ import annotations

from typing import Iterator

from hlo_fix.ir.accessors import iota_dimension
from hlo_fix.rule_api.finding import Finding
from hlo_fix.rule_api.rule import Rule
from hlo_fix.rules.context_checks import in_manual_computation
from hlo_fix.rules.hf001_sharded_iota_fix import ReplicateIota
from hlo_fix.rules.index_reductions import reported_payload_iotas
from hlo_fix.rules.row_iota import describe_sharding, hazard_iotas
from hlo_fix.sharding.analysis import analysis


class ShardedIota(Rule):
    """## What it does
    Flags a `stablehlo.iota` whose `iota_dimension` is sharded over the device mesh, as found by propagating the
    module's shardings (Shardy `sdy.sharding`, GSPMD `mhlo.sharding`, sharding constraints) along the dataflow:
    e.g. positions for a causal mask over a sequence-sharded activation. Iotas that HF002-HF004 already report
    (row iotas of gathers and scatters) and iotas inside manual computations (shard_map) are not reported here,
    nor is an iota whose result a closed replicated constraint follows: explicit-mesh JAX (`jax.make_mesh`'s
    default axes) writes `sdy.sharding_constraint %iota <@mesh, [{}]>` after every `jnp.arange`, which is this
    rule's fix already.

    ## Why is this bad?
    An iota's values depend on the global position. Backends that localize it by shrinking its shape (tt-mlir did,
    until it learned to replicate it) emit `0..n/shards-1` on every shard instead of the shard's own range, so
    every shard but the first computes with wrong positions. XLA's SPMD partitioner adds the offset, which hides
    the bug until the model runs elsewhere.

    ## Example
    ```mlir
    %0 = sdy.sharding_constraint %x <@mesh, [{}, {"batch"}, {}]> : tensor<8x128x32xf32>
    %1 = stablehlo.iota dim = 0 : tensor<128xi32>   // becomes dim 1 of the sharded scores
    ```

    ## Fix
    Mark the iota replicated so the partitioner slices each shard's true range: Shardy
    `{sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{}]>]>}` on the iota, GSPMD a
    `stablehlo.custom_call @Sharding` with `mhlo.sharding = "{replicated}"`; or compute the positions from data
    (e.g. pass them in as an argument).

    ## Fix safety
    Safe: `hlo-fix fix` adds the replicated sharding (Shardy) or the `@Sharding` custom call, which takes over
    the iota's name so its users are unchanged (GSPMD). A sharding annotation changes where values live, not
    what they are. An iota that already carries a sharding of its own is left to you.
    """

    code = "HF001"
    name = "sharded-iota"
    severity = "error"
    summary = "iota over a dimension that is sharded across devices"
    fix_applicability = "safe"
    fix = ReplicateIota()

    def check(self, ctx) -> Iterator[Finding]:
        sharding = analysis(ctx)
        if not sharding.is_sharded_module:
            return
        reported = hazard_iotas(ctx) | reported_payload_iotas(ctx)
        for op in ctx.module.ops_named("stablehlo.iota"):
            if id(op) in reported or not op.results:
                continue
            dim = iota_dimension(op)
            found = sharding.dim(op.results[0], dim)
            if not found.sharded or in_manual_computation(op, sharding):
                continue
            message = (
                f"iota over dim {dim}, which is {describe_sharding(found)}: a backend that localizes it counts "
                f"from 0 on every shard instead of the shard's offset; mark the iota replicated"
            )
            yield ctx.finding(self, op, message)
