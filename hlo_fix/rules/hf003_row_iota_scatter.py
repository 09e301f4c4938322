"""HF003 row-iota-scatter."""

from __future__ import annotations

from typing import Iterator

from hlo_fix.rule_api.finding import Finding
from hlo_fix.rule_api.rule import Rule
from hlo_fix.rules.hf003_row_iota_scatter_fix import ScatterToOneHot
from hlo_fix.rules.row_iota import row_iota_findings


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
    Safe: plain `hlo-fix fix` applies it, except the one fallback named last below. It builds the one-hot mask
    without clamping: scatter skips an out-of-range index, and such an index
    matches no position of the mask either. XLA applies repeated indices in index order (the last `set` wins,
    `add`s accumulate in order; StableHLO leaves the order to the implementation), and each rewrite keeps that:

    - `set` with a splat constant (`.set(1.0)`, `scatter_(1, idx, 1)`): `select(any over K of the mask, c,
      base)`. Safe.
    - `set` with per-element updates: the last position along K that hits each entry is found (`reduce
      maximum`), and its update selected. Safe with the `select` strategy (the update's bits are picked), which
      `auto`, the default, uses for float tables; unsafe with `dot` (chosen by `auto` under `--unsafe-fixes`),
      where NaN/Inf updates elsewhere in the row turn into NaN and `-0.0` into `+0.0`.
    - `add` with indices that are distinct per row (the indices of a top_k): `select(hit, base +
      one-hot sum of the updates, base)`. Safe with `select` (or for integers); unsafe with `dot`.
    - `add` with possibly repeated indices: one index position at a time, `select(hit_k, acc + upd_k, acc)`, in
      index order, for K up to 64. Safe. Integer adds use one sum (integer addition is exact in any order).
    - `max` / `min` (`.at[...].max(v)`): as `add`, with `maximum` / `minimum` (no fix beyond K = 64 when indices
      may repeat).

    Larger K with repeated indices, or several free index dims, fall back to the one-hot sum: unsafe (applied
    only with `--unsafe-fixes`), exact only when each row's indices are distinct. Scatters of windows
    (`update_window_dims`) have no automatic fix. `extend-safe-fixes`, `extend-unsafe-fixes` and `unfixable`
    change this per rule, as in ruff.
    """

    code = "HF003"
    name = "row-iota-scatter"
    severity = "error"
    summary = "scatter whose index concatenates an iota over a batch dimension with data indices"
    fix_applicability = "safe"
    fix = ScatterToOneHot()

    def check(self, ctx) -> Iterator[Finding]:
        return row_iota_findings(
            self, ctx, "scatter", addresses="addresses", effect="writes",
            advice="build a one-hot mask over the indexed axis and select",
        )
