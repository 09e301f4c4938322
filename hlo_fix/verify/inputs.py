"""Reproducible random arguments for an entry signature.

* floats (f16, bf16, f32, f64): standard normal values rounded to the type; complex: standard normal real and
  imaginary parts. No NaN, inf or -0.0: a
  one-hot `dot_general` turns `x * 0` into NaN for inf and `-0.0 + 0.0` into `+0.0`, differences that
  any dot-based rewrite has and that say nothing about index handling.
* i1: fair coin flips.
* other integers are taken to be indices: uniform in `[lo, hi)`, where `(lo, hi)` is `index_range` when
  given, else `[0, bound)` with the bound `index_bounds` inferred for that argument, else
  `DEFAULT_INDEX_RANGE`. The range is clipped to what the type can hold.
* with `edges=True` about a quarter of each index argument is replaced by the edge values
  `lo, hi - 1, hi, lo - 1` (each present at least once when the tensor has room): the first and last
  valid index and the first ones past either end, which gather clamps and scatter skips. `lo - 1` wraps
  to the type's maximum for unsigned types, as a frontend's cast of -1 would.

Every (seed, argument number) pair has its own generator, so a seed always gives the same arrays.
"""

from __future__ import annotations

from typing import Any

from hlo_fix.verify.dtypes import is_complex, is_float, is_index_like, numpy_dtype
from hlo_fix.verify.index_bounds import IndexBound
from hlo_fix.verify.module import Signature, TensorSpec

DEFAULT_INDEX_RANGE = (0, 64)
EDGE_FRACTION = 0.25


def index_range_for(
    argument: int, index_bounds: dict[int, IndexBound], index_range: tuple[int, int] | None
) -> tuple[int, int]:
    """The [lo, hi) an index argument is drawn from (before clipping to its type)."""
    if index_range is not None:
        return index_range
    if argument in index_bounds:
        return (0, index_bounds[argument].bound)
    return DEFAULT_INDEX_RANGE


def make_inputs(
    signature: Signature,
    seed: int,
    *,
    index_bounds: dict[int, IndexBound],
    index_range: tuple[int, int] | None = None,
    edges: bool = False,
) -> list[Any]:
    import numpy as np

    arrays = []
    for number, spec in enumerate(signature.arguments):
        rng = np.random.default_rng([seed, number])
        if is_float(spec.element_type):
            arrays.append(_floats(rng, spec))
        elif is_complex(spec.element_type):
            parts = rng.standard_normal((2, *spec.shape))
            arrays.append((parts[0] + 1j * parts[1]).astype(numpy_dtype(spec.element_type)))
        elif is_index_like(spec.element_type):
            lo, hi = index_range_for(number, index_bounds, index_range)
            arrays.append(_indices(rng, spec, lo, hi, edges))
        else:
            arrays.append(rng.integers(0, 2, size=spec.shape).astype(np.bool_))
    return arrays


def _floats(rng: Any, spec: TensorSpec) -> Any:
    return rng.standard_normal(spec.shape).astype(numpy_dtype(spec.element_type))


def _indices(rng: Any, spec: TensorSpec, lo: int, hi: int, edges: bool) -> Any:
    import numpy as np

    dtype = numpy_dtype(spec.element_type)
    limits = np.iinfo(dtype)
    lo = min(max(lo, int(limits.min)), int(limits.max))
    hi = max(min(hi, int(limits.max) + 1), lo + 1)
    values = rng.integers(lo, hi, size=spec.shape, dtype=np.int64 if hi <= 2**63 else np.uint64).astype(dtype)
    if edges and values.size:
        _mix_in_edges(rng, values, [lo, hi - 1, hi, lo - 1])
    return values


def _mix_in_edges(rng: Any, values: Any, edge_values: list[int]) -> None:
    """Overwrite a random quarter of `values` with `edge_values`, wrapped to its type's width (-1 -> max)."""
    import numpy as np

    bits = values.dtype.itemsize * 8
    flat_bits = values.reshape(-1).view(np.dtype(f"uint{bits}"))
    wrapped = np.array([value & ((1 << bits) - 1) for value in edge_values], dtype=flat_bits.dtype)
    count = max(min(len(edge_values), flat_bits.size), int(flat_bits.size * EDGE_FRACTION))
    places = rng.choice(flat_bits.size, size=count, replace=False)
    flat_bits[places] = wrapped[np.arange(count) % len(edge_values)]
