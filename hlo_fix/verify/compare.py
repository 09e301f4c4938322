"""Bit-for-bit comparison of one output of the original with the same output of the rewritten module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hlo_fix.verify.dtypes import as_bits
from hlo_fix.verify.errors import VerifyError
from hlo_fix.verify.module import TensorSpec


@dataclass(frozen=True)
class OutputComparison:
    """How output `output` of the rewritten module differs from the original's; `differing == 0` means identical.

    `max_abs_diff` is taken over the differing elements in float64 (complex128 for complex outputs; NaN when one
    side is NaN); the `original_*`/`rewritten_*` fields describe the first differing element in row-major order.
    """

    output: int
    spec: TensorSpec
    differing: int
    max_abs_diff: float
    first_index: tuple[int, ...] | None = None
    original_value: float | int | bool | complex | None = None
    rewritten_value: float | int | bool | complex | None = None
    original_bits: int | None = None
    rewritten_bits: int | None = None

    @property
    def ok(self) -> bool:
        return self.differing == 0

    @property
    def elements(self) -> int:
        return self.spec.size


def compare_output(output: int, spec: TensorSpec, original: Any, rewritten: Any) -> OutputComparison:
    import numpy as np

    if original.shape != rewritten.shape or original.dtype != rewritten.dtype:
        raise VerifyError(
            f"output {output} came back as {rewritten.dtype}{list(rewritten.shape)} from the rewritten module "
            f"and {original.dtype}{list(original.shape)} from the original"
        )
    original_bits, rewritten_bits = as_bits(original), as_bits(rewritten)
    differs = original_bits != rewritten_bits
    is_complex = np.iscomplexobj(original)
    if is_complex:  # (real, imaginary) part bits: an element differs when either part does
        differs = differs.any(axis=-1)
    differing = int(np.count_nonzero(differs))
    if differing == 0:
        return OutputComparison(output, spec, 0, 0.0)
    wide = np.complex128 if is_complex else np.float64
    difference = np.abs(original[differs].astype(wide) - rewritten[differs].astype(wide))
    first = tuple(int(i) for i in np.unravel_index(int(np.argmax(differs)), differs.shape))
    return OutputComparison(
        output,
        spec,
        differing,
        float(np.max(difference)),
        first,
        _scalar(original[first]),
        _scalar(rewritten[first]),
        _bits(original_bits[first]),
        _bits(rewritten_bits[first]),
    )


def _bits(element_bits: Any) -> int:
    """One element's bits as an integer; a complex element's real part bits above its imaginary part's."""
    if getattr(element_bits, "shape", ()) == (2,):
        real, imaginary = (int(part) for part in element_bits)
        return (real << (element_bits.dtype.itemsize * 8)) | imaginary
    return int(element_bits)


def _scalar(value: Any) -> float | int | bool | complex:
    import numpy as np

    if value.dtype == np.bool_:
        return bool(value)
    if np.issubdtype(value.dtype, np.integer):
        return int(value)
    if np.issubdtype(value.dtype, np.complexfloating):
        return complex(value)
    return float(value)
