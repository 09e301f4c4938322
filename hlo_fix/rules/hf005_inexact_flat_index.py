"""HF005 inexact-flat-index."""

from __future__ import annotations

from math import prod
from typing import Iterator

from hlo_fix.index_tracing.loose import table_source
from hlo_fix.ir.accessors import rank, scatter_numbers, tensor_shape
from hlo_fix.rule_api.finding import Finding
from hlo_fix.rule_api.rule import Rule
from hlo_fix.rules.row_iota import live_accesses, op_label
from hlo_fix.sharding.annotations import see_through

# The largest integer n such that every integer in [0, n] is exact in the index float.
EXACT_INTEGERS = {"bf16": 2**8, "f16": 2**11, "tf32": 2**11, "f32": 2**24}


class InexactFlatIndex(Rule):
    """## What it does
    Flags a gather or scatter whose start index moves along more than one operand dimension, or that indexes a
    table flattened to 1-D, when the largest flattened index exceeds the integers the backend's index float
    represents exactly: bf16 256, fp16 and TF32 2048, f32 2^24. The float is configurable (`index-float`, default
    `bf16`).

    The flattened index counts start positions: along an indexed dim of size n with a slice (gather) or update
    window (scatter) of size s there are n - s + 1 of them, since start indices are clamped to keep the slice in
    bounds. A point access (s = 1) reaches `prod(n) - 1`; a dim the slice spans whole has one position and does not
    count. So these stay silent: dynamic-slice-shaped accesses (`lax.dynamic_slice` under `vmap`, cache updates),
    `take_along_axis` (its batch dims are batching dims, not index components), embedding lookups `x[idx]` (one
    dim), and reshapes that only add or drop size-1 dims (`512x24 -> 1x512x24 -> 512x24` is no flattened table).

    ## Why is this bad?
    Backends flatten a multi-dimensional index to `row * E + col` and compute it in floating point: tt-mlir lowers
    the flattening to a matmul and `ttir.embedding` casts the index to bf16. Beyond the exact range, neighbouring
    indices collapse: the seed's 64x160 table reaches 10239, and index 2609 came back as 2610, silently reading
    the neighbour's weight.

    ## Defaults
    On, with `index-float = "bf16"`, after weighing both. The failure is silent (no error, wrong values), it is
    the one that broke the seed, and the linter cannot know which backend will run the module. bf16 is the
    precision of the backend that broke it; the f32 limit (2^24) would not have flagged the seed's 10240-entry
    table at all. The rule is kept quiet where the hazard cannot arise instead (the list above): on the seed
    router it fires once per row-iota gather or scatter, whose HF002/HF003 fix also removes it. For a backend that
    indexes in integers (XLA on CPU, GPU or TPU), set `index-float = "f32"` or ignore HF005.

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
    No fix of its own. When the access is also a row-iota gather or scatter (HF002-HF004), that rule's fix
    replaces it by a one-hot over one axis, and this finding goes with it; otherwise the fix is manual.
    """

    code = "HF005"
    name = "inexact-flat-index"
    severity = "warning"
    summary = "multi-dimensional or flat gather/scatter index beyond the index float's exact integers"

    def check(self, ctx) -> Iterator[Finding]:
        index_float = getattr(ctx.settings, "index_float", "bf16")
        exact = EXACT_INTEGERS.get(index_float, EXACT_INTEGERS["bf16"])
        for access in live_accesses(ctx):
            positions = start_positions(access)
            if positions is None:
                continue
            moving = {d: n for d, n in positions.items() if n > 1}
            flat = len(access.indexed_dims) == 1 and _flattened_table(access)
            if len(moving) < 2 and not flat:
                continue
            largest = prod(moving.values()) - 1
            if largest <= exact:
                continue
            what = "flattened table" if flat else f"index over operand dims {sorted(moving)}"
            message = (
                f"{op_label(access.op)} {what} reaches flat index {largest}, beyond the {exact} integers "
                f"{index_float} represents exactly: backends that flatten the index in {index_float} read "
                f"neighbouring entries"
            )
            yield ctx.finding(self, access.op, message)


def start_positions(access) -> dict[int, int] | None:
    """How many start positions each indexed operand dim has: its size less the slice (gather) or update window
    (scatter) taken there, plus one, since start indices are clamped to keep the slice in bounds. A point access
    has the dim's size; a dim the slice covers whole has one position and is not really indexed. None when a
    size is unknown."""
    shape = tensor_shape(access.operand)
    if shape is None or None in shape:
        return None
    sizes = _slice_sizes(access, shape)
    if sizes is None:
        return None
    return {d: max(shape[d] - sizes[d] + 1, 1) for d in access.indexed_dims}


def _slice_sizes(access, shape) -> list[int] | None:
    op = access.op
    if access.kind == "gather":
        sizes = op.attributes.ints("slice_sizes")
        if sizes is None:
            # dynamic_gather takes its slice sizes as an operand: only a point gather is decided.
            return [1] * len(shape) if op.name == "stablehlo.gather" else None
        return sizes if len(sizes) == len(shape) else None
    numbers = scatter_numbers(op)
    inserted = set(numbers.get("inserted_window_dims", [])) | set(numbers.get("input_batching_dims", []))
    window_dims = numbers.get("update_window_dims", [])
    count = len(op.results)
    updates = tensor_shape(op.operands[count + 1]) if len(op.operands) > count + 1 else None
    windowed = [d for d in range(len(shape)) if d not in inserted]
    if updates is None or None in updates or len(windowed) != len(window_dims):
        return None
    sizes = [1] * len(shape)
    for d, u in zip(windowed, window_dims):
        if u >= len(updates):
            return None
        sizes[d] = updates[u]
    return sizes


def _flattened_table(access) -> bool:
    """A 1-D table reshaped from one with at least two dims longer than 1 (not a reshape that only adds or drops
    size-1 dims, like `512x24 -> 1x512x24 -> 512x24`), or a flat `row * E + col` index."""
    if access.flat_row_iotas():
        return True
    table = table_source(access.operand)
    owner = table.owner
    if rank(table) != 1 or owner is None or owner.name != "stablehlo.reshape":
        return False
    source = tensor_shape(see_through(owner.operands[0]))
    return source is not None and sum(1 for n in source if n != 1) >= 2
