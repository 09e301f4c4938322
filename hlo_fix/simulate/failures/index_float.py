"""index-float: a multi-dimensional index is flattened and rounded through a float type.

Evidence: the seed. The backend flattened the router's `[token, expert]` index to `token * E + expert` in a
bf16-class float, and 2609 became 2610 (bf16 holds every integer only up to 256; f16 and TF32 up to 2048, f32 up
to 2^24). Modelled for gathers and scatters whose index has several components: flattened over the indexed
operand dims, rounded to nearest even, split back; the op then clamps or skips as it does. A one-component index
kept in integers is not rounded (lint calls it hazard-free: `flat_index_in_integers_shardy`). `--index-float f32`
leaves positions as the only failure for any index below 2^24.
"""

from __future__ import annotations

EXACT_INTEGERS = {"bf16": 256, "f16": 2048, "tf32": 2048, "f32": 1 << 24}
INDEX_FLOATS = tuple(EXACT_INTEGERS)


def round_through(values, index_float: str):
    """Integers rounded to the nearest value the float type holds (ties to even), back as int64."""
    import ml_dtypes
    import numpy as np

    wide = np.asarray(values, dtype=np.float64)
    if index_float == "bf16":
        narrow = wide.astype(np.float32).astype(ml_dtypes.bfloat16).astype(np.float64)
    elif index_float == "f16":
        narrow = np.clip(wide, -65504, 65504).astype(np.float16).astype(np.float64)
    elif index_float == "tf32":
        bits = wide.astype(np.float32).view(np.uint32).astype(np.uint64)
        lsb = (bits >> 13) & 1
        bits = ((bits + 0xFFF + lsb) >> 13) << 13
        narrow = bits.astype(np.uint32).view(np.float32).astype(np.float64)
    else:
        narrow = wide.astype(np.float32).astype(np.float64)
    return narrow.astype(np.int64)


def index_layout(op):
    """(index operand, index_vector_dim, indexed operand dim sizes) of a gather or scatter."""
    from hlo_fix.ir.attributes import parse_ints, parse_struct

    if op.name == "stablehlo.gather":
        raw = op.attributes.get("dimension_numbers") or ""
        numbers = {k: parse_ints(v) for k, v in parse_struct(raw).items()}
        indices, operand, dims = op.operands[1], op.operands[0], numbers.get("start_index_map", [])
    else:
        raw = op.attributes.get("scatter_dimension_numbers") or ""
        numbers = {k: parse_ints(v) for k, v in parse_struct(raw).items()}
        count = len(op.results)
        indices, operand, dims = op.operands[count], op.operands[0], numbers.get("scatter_dims_to_operand_dims", [])
    rank = indices.type.rank
    vector_dim = (numbers.get("index_vector_dim") or [rank])[0]
    sizes = [operand.type.shape[d] for d in dims]
    return indices, vector_dim, sizes


def rounded_indices(op, array, index_float: str):
    """The index array as a backend flattening it in `index_float` sees it (unchanged when nothing rounds)."""
    import numpy as np

    _, vector_dim, sizes = index_layout(op)
    if vector_dim >= array.ndim:
        components = array[..., None].astype(np.int64)
    else:
        components = np.moveaxis(array, vector_dim, -1).astype(np.int64)
    strides = [1] * len(sizes)
    for k in range(len(sizes) - 2, -1, -1):
        strides[k] = strides[k + 1] * sizes[k + 1]
    flat = (components * np.array(strides, dtype=np.int64)).sum(axis=-1)
    rounded = round_through(flat, index_float)
    parts = []
    rest = rounded
    for stride in strides:
        parts.append(rest // stride)
        rest = rest - parts[-1] * stride
    out = np.stack(parts, axis=-1)
    if vector_dim >= array.ndim:
        out = out[..., 0]
    else:
        out = np.moveaxis(out, -1, vector_dim)
    info = np.iinfo(array.dtype)
    return np.clip(out, int(info.min), int(info.max)).astype(array.dtype)


def may_round(op, index_float: str) -> bool:
    if op.name not in ("stablehlo.gather", "stablehlo.scatter") or not op.results:
        return False
    try:
        _, _, sizes = index_layout(op)
    except (AttributeError, IndexError, TypeError):
        return False
    extent = 1
    for size in sizes:
        extent *= size
    if extent <= EXACT_INTEGERS[index_float]:
        return False
    return len(sizes) > 1


class IndexFloat:
    name = "index-float"

    def applies(self, op, sim) -> bool:
        return may_round(op, sim.index_float)

    def localize(self, op, sim, normal):
        indices, _, _ = index_layout(op)

        def rounded(_number, array):
            return rounded_indices(op, array, sim.index_float)

        return sim.run_ops([op], replace={id(indices): rounded})
