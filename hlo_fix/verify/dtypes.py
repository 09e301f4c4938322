"""MLIR element type names mapped to numpy dtypes (ml_dtypes for bf16), and the unsigned view used for bit equality."""

from __future__ import annotations

from typing import Any

COMPLEX_TYPES = {"complex<f32>": "complex64", "complex<f64>": "complex128"}
SUPPORTED_ELEMENT_TYPES = frozenset(
    ["f16", "bf16", "f32", "f64", "i1", "i8", "i16", "i32", "i64", "ui8", "ui16", "ui32", "ui64", *COMPLEX_TYPES]
)
# Bytes per element of the types a module may hold anywhere (for the size check), including ones verify cannot
# feed as arguments; an element type not listed here is not counted.
_WIDTHS = {"i1": 1, "bf16": 2, "f16": 2, "f32": 4, "f64": 8, "tf32": 4, "complex<f32>": 8, "complex<f64>": 16}


def numpy_dtype(element_type: str) -> Any:
    import ml_dtypes
    import numpy as np

    if element_type in COMPLEX_TYPES:
        return np.dtype(COMPLEX_TYPES[element_type])
    if element_type == "bf16":
        return np.dtype(ml_dtypes.bfloat16)
    if element_type == "i1":
        return np.dtype(np.bool_)
    if element_type.startswith("ui"):
        return np.dtype(f"uint{element_type[2:]}")
    if element_type.startswith("i"):
        return np.dtype(f"int{element_type[1:]}")
    return np.dtype(f"float{element_type[1:]}")


def element_bytes(element_type: str) -> int | None:
    """Storage bytes of one element (f8 types and i4 count as one byte), None for a type we do not know."""
    if element_type in _WIDTHS:
        return _WIDTHS[element_type]
    digits = "".join(ch for ch in element_type.split("E")[0] if ch.isdigit())
    if element_type.startswith(("i", "ui", "si", "f")) and digits:
        return max(1, int(digits) // 8)
    return None


def is_float(element_type: str) -> bool:
    return element_type.startswith(("f", "bf"))


def is_complex(element_type: str) -> bool:
    return element_type in COMPLEX_TYPES


def is_index_like(element_type: str) -> bool:
    """Integer types other than i1, the ones a gather or scatter can take indices in."""
    return element_type != "i1" and element_type.startswith(("i", "ui"))


def as_bits(array: Any) -> Any:
    """The array viewed as unsigned integers of the same width: equal bits are equal values, NaN payloads too.

    A complex array has no unsigned integer of its width; it comes back as its (real, imaginary) part bits, with
    one more trailing dimension of 2."""
    import numpy as np

    array = np.ascontiguousarray(array)
    if np.iscomplexobj(array):
        part = np.dtype(f"uint{array.dtype.itemsize * 4}")
        return array.reshape(-1).view(part).reshape(array.shape + (2,))
    return array.view(np.dtype(f"uint{array.dtype.itemsize * 8}"))
