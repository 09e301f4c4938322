"""HF008 integer-through-float."""

from __future__ import annotations

from typing import Iterator

from hlo_fix.rule_api import Finding, Rule
from hlo_fix.rules.hf008_integer_through_float_fix import IntegerOneHotSelect
from hlo_fix.rules.integer_float import EMBEDDING_FLOAT, EXACT_INTEGERS, IntegerTableGather, integer_float_hazards


class IntegerThroughFloat(Rule):
    """## What it does
    Flags integer values that pass through a float where the float cannot hold them exactly:

    - a `stablehlo.gather` from an integer table (position ids, `cu_seqlens`, token ids, any `table[idx]` of an
      int16/int32/int64 tensor) whose values may exceed 256, bf16's exact integers. A table of known values
      (a constant, an iota) within +-256 is silent, and so is an 8-bit or boolean table;
    - an integer -> float -> integer `stablehlo.convert` chain (through moves, selects, rounding and
      arithmetic in the float) whose result is used as an index (a gather, scatter or dynamic slice) into more
      entries than the float represents exactly: bf16 256, fp16 2048, f32 2^24. An index into fewer entries is
      silent: the access clamps every rounded value to the same entry it would have read.

    Row-iota gathers are left to HF002-HF004 (their rewrite removes the gather), and manual computations
    (`shard_map`) are skipped like every rule does. Float embedding lookups are not integers and stay silent.

    ## Why is this bad?
    - Backends lower a gather to an embedding, and embedding kernels take bf16 weights: tt-mlir's
      `StableHLOGatherToEmbeddingPattern` and its TTNN workaround cast an integer table to bf16, so 1900 came
      back as 1904 (tt-metal#44735, open). Qwen 3.5's vision encoder then failed in
      `split_with_sizes` (tt-xla#4699: "expects split_sizes to sum exactly to 1900 ... got [1904]"), Qwen 2.5-VL
      the same way with 2204 -> 2208 (tt-xla#4981), and sampled token ids were corrupted the same way
      (tt-xla#4329). tt-mlir PR #8680 now lowers integer gathers that index one dim to `ttir.gather` (PR #8499's
      first attempt was reverted); multi-dim ones, older versions and other embedding-based backends still
      round. The linter cannot know which backend runs the module, so it reports every such gather. The cast is the embedding's, whatever the table: `index_select` from an f32 table came back
      rounded too (tt-xla#5321); an integer table loses whole values.
    - f32 holds every integer only up to 2^24: tt-mlir PR #8998 reports 30719999 coming back as 30720000 after
      an int -> f32 -> int round trip. The index then reads its neighbour's entry, silently.

    ## Example
    ```mlir
    // positions[idx] from an int32 table: an embedding rounds the table to bf16
    %6 = "stablehlo.gather"(%positions, %5) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0],
           start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1>}>
           : (tensor<4096xi32>, tensor<64x1xi32>) -> tensor<64xi32>
    ```

    ## Fix
    For a lookup, select with an integer one-hot instead of gathering: `jnp.sum(jnp.where(idx[..., None] ==
    jnp.arange(n), table, 0), axis=-1)` (in PyTorch `torch.where(idx.unsqueeze(-1) == torch.arange(n), table,
    0).sum(-1)`): integer compare, select and add, no float anywhere. It costs n times the lookup, so it suits
    small tables (positions, lengths, a few thousand entries). For a convert chain, keep the index in integers:
    `rows * E + cols` in int32, not in f32.

    ## Fix safety
    Safe where it applies: `hlo-fix fix` rewrites a lookup (`table[idx]`, `jnp.take`: one indexed dim, whole
    slices along the others) from a table of at most 4096 entries along the indexed dim into the integer one-hot
    select above, the index clamped to the table as gather clamps it. Exactly one entry is selected, so the
    integer sum returns it bit for bit for every value and in any reduction order (checked with
    `hlo-fix verify`, partitioned too). A backend that reduces integers through f32 (tt-mlir PR #8282 moved its
    integer reductions from bf16 to f32) keeps the result exact up to 2^24, where bf16 kept 256.

    No fix for larger tables (the one-hot multiplies the work by the table's length: a decision for the model's
    author, e.g. a sharded gather in integers or a different layout), for other gather shapes, or for convert
    chains: their float arithmetic has no integer equivalent the linter can pick for you (a division, a scale
    by a non-integer).
    """

    code = "HF008"
    name = "integer-through-float"
    severity = "error"
    fix_applicability = "safe"
    fix = IntegerOneHotSelect()
    summary = "integer table gather or int -> float -> int index beyond the float's exact integers"

    def check(self, ctx) -> Iterator[Finding]:
        for hazard in integer_float_hazards(ctx):
            if isinstance(hazard, IntegerTableGather):
                exact = EXACT_INTEGERS[EMBEDDING_FLOAT]
                values = (
                    f"whose values reach {_number(hazard.largest)}, beyond" if hazard.known
                    else "of unknown values, which may exceed"
                )
                message = (
                    f"gather from an {hazard.element_type} table {values} the {exact} integers {EMBEDDING_FLOAT} "
                    f"holds exactly: backends lower it to an embedding that rounds the table to {EMBEDDING_FLOAT} "
                    f"(1900 became 1904); select with an integer one-hot instead"
                )
                data = {"kind": "table", "largest": hazard.largest}
            else:
                exact = EXACT_INTEGERS[hazard.float_type]
                into = f"{hazard.extent} entries" if hazard.extent is not None else "an access of unknown size"
                message = (
                    f"index converted to {hazard.float_type} and back (from line {hazard.source.line}) may reach "
                    f"{_number(hazard.largest)}, beyond the {exact} integers {hazard.float_type} holds exactly, "
                    f"and indexes {into}: neighbouring indices collapse; keep the index in integers"
                )
                data = {"kind": "convert", "largest": hazard.largest, "float": hazard.float_type}
            yield ctx.finding(self, hazard.op, message, data=data)


def _number(value: float) -> str:
    return "any value" if value == float("inf") else f"{int(value)}"
