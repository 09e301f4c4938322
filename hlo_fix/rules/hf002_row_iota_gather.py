"""HF002 row-iota-gather."""

from __future__ import annotations

from typing import Iterator

from hlo_fix.rule_api.finding import Finding
from hlo_fix.rule_api.rule import Rule
from hlo_fix.rules.hf002_row_iota_gather_fix import GatherToOneHot
from hlo_fix.rules.row_iota import row_iota_findings


class RowIotaGather(Rule):
    """## What it does
    Flags a `stablehlo.gather` whose start indices concatenate an iota over a batch dimension (the row) with data
    indices (the column). It sees through converts, broadcasts, size-1 reshapes and the negative-index
    normalization (`compare LT 0`, `add`, `select`) that exporters put in between.

    PyTorch/XLA lowers `torch.gather(x, 1, idx)` this way, and JAX lowers `x[jnp.arange(B)[:, None], idx]`.

    ## Why is this bad?
    When the batch axis is sharded, every device holds a slice of the rows, but the iota still counts rows from 0.
    A backend that localizes the iota by shrinking its shape (tt-mlir did) emits `0..B/shards-1` on every shard
    instead of the shard's own range, so every shard but the first reads wrong rows. The MoE router that started
    hlo-fix lost its accuracy this way on 48 of 64 users (PCC 0.856 instead of 0.993). Backends also flatten the
    two-dimensional index to `row * E + col`, which can be inexact (see HF005).

    Severity: error when the batch dimension is sharded, warning when it is not (it breaks as soon as it is).

    ## Example
    ```mlir
    %0 = stablehlo.iota dim = 0 : tensor<64xi32>
    %1 = stablehlo.broadcast_in_dim %0, dims = [0] : (tensor<64xi32>) -> tensor<64x8x1xi32>
    %2 = stablehlo.reshape %idx : (tensor<64x8xi32>) -> tensor<64x8x1xi32>
    %3 = stablehlo.concatenate %1, %2, dim = 2 : (tensor<64x8x1xi32>, tensor<64x8x1xi32>) -> tensor<64x8x2xi32>
    %4 = "stablehlo.gather"(%x, %3) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1],
           start_index_map = [0, 1], index_vector_dim = 2>, slice_sizes = array<i64: 1, 1>}> : ...
    ```

    ## Fix
    Select with a one-hot over the indexed (expert) axis instead: compare the index with an iota over that axis
    and contract with `dot_general`, batching over the batch dims. In PyTorch:
    `torch.einsum("be,bke->bk", x, (idx.unsqueeze(-1) == torch.arange(E)).to(x.dtype))`; in JAX:
    `jnp.einsum("be,bke->bk", x, (idx[..., None] == jnp.arange(E)).astype(x.dtype))`, or
    `jnp.take_along_axis(x, idx, axis=1)`, which lowers without an iota.

    ## Fix safety
    Safe: plain `hlo-fix fix` applies it. The rewrite clamps the index to `[0, E-1]` first, as gather clamps its
    start indices, so every index value (past either end, negative after normalization) reads what the gather
    read. How the one-hot picks the value is `--gather-strategy`:

    - `auto` (the default): `select` for float tables, `dot` for integer and boolean tables (exact either way)
      and whenever unsafe fixes are enabled. Plain `fix` therefore always applies an exact rewrite.
    - `select`: `select(one_hot, bits(x), 0)` and an integer `reduce add` over E of the values' bits
      (`bitcast_convert`), which returns the one selected entry's bits. Bit-identical for every value, `-0.0`,
      Inf and NaN payloads included, whatever order the backend reduces in.
    - `dot`: `dot_general` with `precision = [HIGHEST, HIGHEST]`, the form a matmul backend runs fastest.
      Unsafe for float tables: a NaN or Inf anywhere else in the row turns the result into NaN (`0 * Inf`), and
      a selected `-0.0` comes back as `+0.0`; finite values are exact. Applied to floats only with
      `--unsafe-fixes` (which `auto` then picks).

    Whole slices along dims the index does not address (an embedding row from `[B, E, D]`) come along. A gather
    the rewrite does not cover (partial slices, several data components, an index vector not built by a
    concatenate, a row iota that is offset or scaled, shapes that do not line up) has no automatic fix.
    `extend-safe-fixes`, `extend-unsafe-fixes` and `unfixable` change this per rule, as in ruff.
    """

    code = "HF002"
    name = "row-iota-gather"
    severity = "error"
    summary = "gather whose index concatenates an iota over a batch dimension with data indices"
    fix_applicability = "safe"
    fix = GatherToOneHot()

    def check(self, ctx) -> Iterator[Finding]:
        return row_iota_findings(
            self, ctx, "gather", addresses="indexes", effect="reads",
            advice="use a one-hot compare over the indexed axis and dot_general",
        )
