"""Integer constants that equal an iota: torch_xla prints `torch.arange(B)` as `dense<[0, 1, ..., 63]>` (and, past
100 elements, as a little-endian hex blob `dense<"0x0000...">`), not as `stablehlo.iota`.

A row index built from such a constant is the same hazard as one built from an iota, so the index tracer and the
fix matchers ask `constant_iota_dim`. Payloads are decoded from the grammar's tokens, once per distinct constant
text, and only for integer tensors of at most `MAX_ELEMENTS` elements.
"""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

from hlo_fix.ir.element_types import integer_bits
from hlo_fix.ir.memo import TextTable
from hlo_fix.ir.opkey import op_key
from hlo_fix.ir.tokens import tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op

MAX_ELEMENTS = 1 << 20
_DIMS: TextTable[int | None] = TextTable()
_UNKNOWN = object()


def constant_iota_dim(op: "Op") -> int | None:
    """The dim along which the constant holds 0, 1, 2, ... (the same along every other dim), or None."""
    if op.name != "stablehlo.constant" or len(op.results) != 1:
        return None
    found = op.results[0].type
    if found is None or not found.is_static or not found.shape or integer_bits(found.element_type) is None:
        return None
    shape = tuple(found.shape)
    if prod(shape) > MAX_ELEMENTS or max(shape) < 2:
        return None
    key = op_key(op)
    if "dense<[" not in key and 'dense<"0x' not in key:
        return None  # a splat (`dense<0>`) counts along no dim
    dim = _DIMS.get(key, _UNKNOWN)
    if dim is _UNKNOWN:
        values = dense_integers(key, found.element_type, prod(shape))
        dim = _DIMS.put(key, None if values is None else iota_dim_of(values, shape))
    return dim


def dense_integers(text: str, element_type: str, count: int) -> list[int] | None:
    """The elements of the op's `dense<...>` payload in row-major order (a splat repeated), or None."""
    tokens = tokenize(text, strict=False)
    opens = (i for i, t in enumerate(tokens[:-1]) if t.type == "BARE_ID" and t.value == "dense")
    start = next((i for i in opens if tokens[i + 1].type == "LESSTHAN"), None)
    if start is None:
        return None
    values: list[int] = []
    for tok in tokens[start + 2 :]:
        if tok.type == "MORETHAN":
            break
        if tok.type == "INT":
            values.append(int(tok.value))
        elif tok.type == "STRING" and tok.value.startswith('"0x'):
            return _hex_integers(tok.value[3:-1], element_type, count)
        elif tok.type not in ("LSQB", "RSQB", "COMMA", "WS"):
            return None
    if len(values) == 1:
        return values * count
    return values if len(values) == count else None


def _hex_integers(digits: str, element_type: str, count: int) -> list[int] | None:
    bits, signed = integer_bits(element_type) or (0, False)
    width = bits // 8
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        return None
    if width == 0 or len(raw) not in (width, width * count):
        return None
    values = [int.from_bytes(raw[i : i + width], "little", signed=signed) for i in range(0, len(raw), width)]
    return values * count if len(values) == 1 else values


def iota_dim_of(values: list[int], shape: tuple[int, ...]) -> int | None:
    """The dim d with values[i] == index_d(i) for every i, among dims longer than 1."""
    strides = [prod(shape[d + 1 :]) for d in range(len(shape))]
    for d, size in enumerate(shape):
        if size < 2 or values[strides[d]] != 1 or values[0] != 0:
            continue
        stride = strides[d]
        if all(v == (i // stride) % size for i, v in enumerate(values)):
            return d
    return None
