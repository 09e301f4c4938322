"""HF003 row-iota-scatter."""

from __future__ import annotations

from typing import Iterator

from hlo_fix.lint.finding import Finding
from hlo_fix.rules.base import Rule
from hlo_fix.rules.row_iota import describe_sharding, hazards_by_op, severity_for


class RowIotaScatter(Rule):
    """## What it does
    Flags a `stablehlo.scatter` whose scatter indices concatenate an iota over a batch dimension (the row) with
    data indices (the column), seeing through converts, broadcasts, size-1 reshapes and index normalization.

    PyTorch/XLA lowers `torch.Tensor.scatter_(1, idx, v)` this way; JAX lowers `x.at[jnp.arange(B)[:, None],
    idx].set(v)` and `.add(v)` this way.

    ## Why is this bad?
    As for HF002: once the batch axis is sharded, a backend that localizes the iota without the shard's offset
    writes every shard's updates into the rows of the first shard's range (or drops them), and the other rows keep
    their old values. The MoE router's group mask `group_mask.scatter_(1, group_idx, 1)` broke this way.

    Severity: error when the batch dimension is sharded, warning when it is not.

    ## Example
    ```mlir
    %0 = stablehlo.iota dim = 0 : tensor<64xi64>
    %1 = stablehlo.broadcast_in_dim %0, dims = [0] : (tensor<64xi64>) -> tensor<64x4x1xi64>
    %2 = stablehlo.reshape %gidx : (tensor<64x4xi64>) -> tensor<64x4x1xi64>
    %3 = stablehlo.concatenate %1, %2, dim = 2 : (tensor<64x4x1xi64>, tensor<64x4x1xi64>) -> tensor<64x4x2xi64>
    %4 = "stablehlo.scatter"(%zeros, %3, %ones) <{scatter_dimension_numbers = #stablehlo.scatter<
           inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 2>}> ({...})
    ```

    ## Fix
    Build the mask as a one-hot over the indexed axis: `(gidx[..., None] == jnp.arange(G)).any(axis=1)` (PyTorch:
    `(gidx.unsqueeze(-1) == torch.arange(G)).any(dim=1)`), then `select`; for scatter-add, add the one-hot
    contraction of the updates (`einsum`).

    ## Fix safety
    `hlo-fix fix` support for this rule is planned; until then the fix is manual. A rewrite of a scatter-set with
    per-element updates is only exact when each row's indices are distinct (true for top-k outputs).
    """

    code = "HF003"
    name = "row-iota-scatter"
    severity = "error"
    summary = "scatter whose index concatenates an iota over a batch dimension with data indices"

    def check(self, ctx) -> Iterator[Finding]:
        for group in hazards_by_op(ctx, "scatter", flat=False):
            hazard = group[0]
            where = describe_sharding(hazard.sharding) if hazard.sharded else "not sharded yet"
            dims = ", ".join(str(h.term.dim) for h in group)
            message = (
                f"scatter addresses operand dim {hazard.operand_dim} with an iota over batch dim {dims} "
                f"of its index ({where}); a backend that localizes the iota writes the wrong rows on every shard "
                f"but the first: build a one-hot mask over the indexed axis and select"
            )
            yield ctx.finding(self, hazard.access.op, message, severity=severity_for(hazard))
