"""HF005 inexact-flat-index."""

from __future__ import annotations

from math import prod
from typing import Iterator

from hlo_fix.lint.finding import Finding
from hlo_fix.rules.base import Rule
from hlo_fix.rules.index_patterns import table_source
from hlo_fix.rules.row_iota import live_accesses, op_label

# The largest integer n such that every integer in [0, n] is exact in the index float.
EXACT_INTEGERS = {"bf16": 2**8, "f16": 2**11, "tf32": 2**11, "f32": 2**24}


class InexactFlatIndex(Rule):
    """## What it does
    Flags a gather or scatter whose index spans more than one operand dimension, or that indexes a table
    flattened to 1-D, when its largest flattened index exceeds the integers the backend's index float represents
    exactly: bf16 256, fp16 and TF32 2048, f32 2^24. The float is configurable (`index-float`, default `bf16`).

    ## Why is this bad?
    Backends flatten a multi-dimensional index to `row * E + col` and compute it in floating point: tt-mlir lowers
    the flattening to a matmul and `ttir.embedding` casts the index to bf16. Beyond the exact range, neighbouring
    indices collapse: the seed's 64x160 table reaches 10239, and index 2609 came back as 2610, silently reading
    the neighbour's weight.

    ## Example
    ```mlir
    // 64 x 160 = 10240 entries: indices up to 10239, far beyond bf16's 256
    %4 = "stablehlo.gather"(%x, %3) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1],
           start_index_map = [0, 1], index_vector_dim = 2>, slice_sizes = array<i64: 1, 1>}>
           : (tensor<64x160xf32>, tensor<64x8x2xi32>) -> tensor<64x8xf32>
    ```

    ## Fix
    Index one dimension only: a one-hot over the expert axis with `dot_general` (exact: each output sums one
    product with 1.0), or `take_along_axis`, whose batch dims are batching dims rather than index components.

    ## Fix safety
    `hlo-fix fix` support for this rule is planned; until then the fix is manual.
    """

    code = "HF005"
    name = "inexact-flat-index"
    severity = "warning"
    summary = "multi-dimensional or flat gather/scatter index beyond the index float's exact integers"

    def check(self, ctx) -> Iterator[Finding]:
        index_float = getattr(ctx.settings, "index_float", "bf16")
        exact = EXACT_INTEGERS.get(index_float, EXACT_INTEGERS["bf16"])
        for access in live_accesses(ctx):
            shape = access.operand.type.shape if access.operand.type is not None else None
            if shape is None or None in shape:
                continue
            dims = access.indexed_dims
            flat = len(dims) == 1 and _flattened_table(access)
            if len(dims) < 2 and not flat:
                continue
            extent = prod(shape[d] for d in dims)
            largest = extent - 1
            if largest <= exact:
                continue
            what = "flattened table" if flat else f"index over operand dims {dims}"
            message = (
                f"{op_label(access.op)} {what} reaches flat index {largest}, beyond the {exact} integers "
                f"{index_float} represents exactly: backends that flatten the index in {index_float} read "
                f"neighbouring entries"
            )
            yield ctx.finding(self, access.op, message)


def _flattened_table(access) -> bool:
    """A 1-D table reshaped from a higher-rank one, or a flat `row * E + col` index."""
    owner = table_source(access.operand).owner
    if access.flat_row_iotas():
        return True
    if owner is None or owner.name != "stablehlo.reshape":
        return False
    source = owner.operands[0].type
    return source is not None and source.rank >= 2
