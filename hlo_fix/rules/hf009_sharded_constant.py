"""HF009 sharded-constant."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from hlo_fix.index_tracing.constant_iota import constant_iota_dim
from hlo_fix.rule_api import Finding, Rule
from hlo_fix.rules.constant_blocks import payload
from hlo_fix.rules.context_checks import in_manual_computation
from hlo_fix.rules.hf009_sharded_constant_fix import ReplicateConstant
from hlo_fix.rules.row_iota import hazard_iotas
from hlo_fix.rules.shard_words import shards_of
from hlo_fix.sharding.analysis import analysis


class ShardedConstant(Rule):
    """## What it does
    Flags a `stablehlo.constant` with a dimension that is sharded over the device mesh and whose shards would hold
    different values: a position table `dense<[0, 1, 2, ...]>` (what `jnp.asarray(np.arange(S))` and
    PyTorch/XLA's `torch.arange` become), a RoPE cos/sin table or a mask computed with NumPy at trace time, once
    it meets a sequence-sharded activation. Shardings are found by propagating the module's declarations to the
    constant's users (docs/sharding.md). Silent on splats, on dims that are not sharded, on *periodic* constants
    whose blocks along the sharded dim are all equal (`np.tile(np.arange(32), 4)` over 4 shards), on the row
    constants HF002-HF004 already report, and inside manual computations (shard_map).

    ## Why is this bad?
    It is HF001's hazard in another spelling: the values depend on the global position. A backend that localizes
    the constant by shrinking its shape keeps one block for every shard. tt-mlir first refused such constants
    ("Shardy automatic parallelization currently does not support non-splat constant tensors"), then sharded the
    periodic ones by their first block, and for `[0, 1, ..., 63]` in training workloads (tt-mlir#6885) added a
    pass that forces every non-splat, non-periodic constant to be replicated (tt-mlir PR #7020), later extended
    to iotas (tt-mlir PR #8955). A backend without that pass computes with the first shard's positions on every
    shard.

    ## Example
    ```mlir
    %c = stablehlo.constant dense<[0, 1, 2, ..., 127]> : tensor<128xi32>
    %0 = stablehlo.broadcast_in_dim %c, dims = [1] : (tensor<128xi32>) -> tensor<2x128x8xi32>  // dim 1 sharded
    ```

    ## Fix
    Mark the constant replicated, so the partitioner slices each shard's own block out of it: Shardy
    `{sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{}]>]>}` on the constant, GSPMD a `stablehlo.custom_call
    @Sharding` with `mhlo.sharding = "{replicated}"`. In the model, compute positions with `jnp.arange` (an iota,
    which the partitioner offsets) or pass the table in as an argument.

    ## Fix safety
    Safe: `hlo-fix fix` adds the replicated sharding (Shardy) or the `@Sharding` custom call, which takes over the
    constant's name so its users are unchanged (GSPMD). A sharding annotation changes where values live, not what
    they are. A constant that already carries a sharding of its own is left to you.
    """

    code = "HF009"
    name = "sharded-constant"
    severity = "error"
    summary = "non-periodic constant along a dimension that is sharded across devices"
    fix_applicability = "safe"
    fix = ReplicateConstant()

    def check(self, ctx) -> Iterator[Finding]:
        sharding = analysis(ctx)
        if not sharding.is_sharded_module:
            return
        reported = None
        text = ctx.module.text
        for op in ctx.module.ops_named("stablehlo.constant"):
            # A constant has no regions: its text is its own, searched in place (a module has thousands).
            if text.find("[", op.start, op.end) < 0 and text.find('"0x', op.start, op.end) < 0:
                continue  # a splat (`dense<0>`) is the same on every shard; checked first, types cost more
            found = op.results[0].type if len(op.results) == 1 else None
            if found is None or not found.is_static or not any(n > 1 for n in found.shape):
                continue
            sharded = [(d, sharding.dim(op.results[0], d)) for d, n in enumerate(found.shape) if n > 1]
            sharded = [(d, s) for d, s in sharded if s.sharded]
            if not sharded or in_manual_computation(op, sharding):
                continue
            if reported is None:
                reported = hazard_iotas(ctx)
            if id(op) in reported:
                continue
            values = payload(op)
            if values is None:
                continue
            for dim, dim_sharding in sharded:
                if not values.periodic(found.shape, dim, dim_sharding.ways):
                    finding = ctx.finding(self, op, message(op, dim, dim_sharding, found))
                    used_at = user_source(op)
                    yield finding if used_at is None else replace(finding, source=used_at)
                    break


def message(op, dim: int, dim_sharding, found) -> str:
    iota = " (it counts 0, 1, 2, ... along it, an iota)" if constant_iota_dim(op) == dim else ""
    return (
        f"constant {found} differs between the shards of dim {dim}{iota}, which is "
        f"{shards_of(dim_sharding, found.shape[dim])}: a backend that localizes it by shrinking it gives every "
        f"shard the same block; mark the constant replicated"
    )


def user_source(op):
    """The Python line of the constant's first user, when the constant has no line of its own: JAX hoists
    constants out of the traced code and gives them the `jit(...)` call's location, the one its `return` has."""
    own = _source(op)
    body = op.function.regions[0].ops if op.function is not None and op.function.regions else []
    if own is not None and (not body or own != _source(body[-1])):
        return None
    for user in sorted(op.results[0].users, key=lambda user: user.start):
        found = _source(user)
        if found is not None and found != own:
            return found
    return None


def _source(op):
    location = op.location
    return location.python_source() if location is not None else None
