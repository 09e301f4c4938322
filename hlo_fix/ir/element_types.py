"""What an element type holds: integer widths and ranges, and the unsigned type of a float's bits.

The one place these are spelled out (the tracers, the rules and the rewrites all ask here), so `i1`, `si8` and
`ui64` mean the same everywhere.
"""

from __future__ import annotations


def integer_range(element_type: str) -> tuple[int, int] | None:
    """The values an integer element type holds (`i1` holds 0 and 1); None for non-integers."""
    if element_type.startswith("ui") and element_type[2:].isdigit():
        return 0, 2 ** int(element_type[2:]) - 1
    if element_type.startswith("si") and element_type[2:].isdigit():
        bits = int(element_type[2:])
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    if element_type.startswith("i") and element_type[1:].isdigit():
        bits = int(element_type[1:])
        return (0, 1) if bits == 1 else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return None


def is_integer(element_type: str) -> bool:
    """An integer type other than the boolean `i1`."""
    return integer_range(element_type) is not None and element_type != "i1"


def integer_bits(element_type: str) -> tuple[int, bool] | None:
    """(bit width, signed) of a whole-byte integer type (`i32`, `si8`, `ui64`); None for anything else (floats,
    `i1`, complex)."""
    for prefix, signed in (("ui", False), ("si", True), ("i", True)):
        if element_type.startswith(prefix) and element_type[len(prefix) :].isdigit():
            bits = int(element_type[len(prefix) :])
            return (bits, signed) if bits > 1 and bits % 8 == 0 else None
    return None


def bits_type(element_type: str) -> str | None:
    """The unsigned integer type of a float's bits (`f32` -> `ui32`); None for integers and booleans."""
    if integer_range(element_type) is not None:
        return None
    width = 8 if element_type.startswith("f8") else int("".join(c for c in element_type if c.isdigit()))
    return f"ui{width}"


def storage_bytes(element_type: str) -> int | None:
    """Bytes an element takes in a dense literal's hex data: its bit width rounded up to whole bytes (`i1` and
    `f4E2M1FN` take one, `tf32` three), twice that for a complex; None for a type not spelled out here."""
    if element_type.startswith("complex<") and element_type.endswith(">"):
        part = storage_bytes(element_type[8:-1])
        return None if part is None else 2 * part
    for prefix in ("ui", "si", "i"):
        if element_type.startswith(prefix) and element_type[len(prefix) :].isdigit():
            return -(-int(element_type[len(prefix) :]) // 8)
    if element_type in _FLOAT_BITS:
        return -(-_FLOAT_BITS[element_type] // 8)
    # The small floats, f8E4M3FN, f6E2M3FN, f4E2M1FN, ...: the width, then the exponent and mantissa bits.
    return 1 if element_type[:1] == "f" and element_type[1:2] in ("4", "6", "8") and element_type[2:3] == "E" else None


_FLOAT_BITS = {"f16": 16, "bf16": 16, "f32": 32, "f64": 64, "tf32": 19}
