"""MLIR element type names mapped to numpy dtypes (ml_dtypes for bf16), and the unsigned view used for bit equality."""

from __future__ import annotations

from typing import Any

SUPPORTED_ELEMENT_TYPES = frozenset(
    ["f16", "bf16", "f32", "f64", "i1", "i8", "i16", "i32", "i64", "ui8", "ui16", "ui32", "ui64"]
)


def numpy_dtype(element_type: str) -> Any:
    import ml_dtypes
    import numpy as np

    if element_type == "bf16":
        return np.dtype(ml_dtypes.bfloat16)
    if element_type == "i1":
        return np.dtype(np.bool_)
    if element_type.startswith("ui"):
        return np.dtype(f"uint{element_type[2:]}")
    if element_type.startswith("i"):
        return np.dtype(f"int{element_type[1:]}")
    return np.dtype(f"float{element_type[1:]}")


def is_float(element_type: str) -> bool:
    return element_type.startswith(("f", "bf"))


def is_index_like(element_type: str) -> bool:
    """Integer types other than i1, the ones a gather or scatter can take indices in."""
    return element_type != "i1" and element_type.startswith(("i", "ui"))


def as_bits(array: Any) -> Any:
    """The array viewed as unsigned integers of the same width: equal bits are equal values, NaN payloads too."""
    import numpy as np

    array = np.ascontiguousarray(array)
    return array.view(np.dtype(f"uint{array.dtype.itemsize * 8}"))
