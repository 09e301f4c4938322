"""Dense hex literals whose size does not fit their type: a weight constant cut short or padded in an edit.

MLIR's parser rejects `dense<"0x...">` data unless it holds one element's bytes (a splat) or every element's
("elements hex data size is invalid for provided type"); the fast reader does not decode constants, so without
this check such a file would pass as clean. Only lengths are compared: the digits of a 100 MB constant are never
decoded here.
"""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

from hlo_fix.errors import ParseError
from hlo_fix.ir.element_types import storage_bytes
from hlo_fix.ir.tokens import matching_close, tokenize
from hlo_fix.ir.types import parse_type

if TYPE_CHECKING:
    from hlo_fix.ir.views import ModuleView

_HEX_LITERAL = 'dense<"0x'
_CONSTANTS = ("stablehlo.constant",)


def check_dense_sizes(module: ModuleView) -> None:
    """Raise ParseError at the first constant whose hex data is neither a splat nor all of its elements."""
    text = module.text
    for name in _CONSTANTS:
        for op in module.ops_by_name.get(name, ()):
            at = text.find(_HEX_LITERAL, op.start, op.end)
            if at < 0:
                continue
            start = at + len(_HEX_LITERAL)
            close = text.find('"', start, op.end)
            if close < 0:
                continue
            digits = close - start
            if digits % 2:
                line, column = module.position(at + len("dense<"))
                raise ParseError(f"hex data has an odd number of digits ({digits})", line, column)
            found = parse_type(_literal_type(text, close, op.end))
            width = None if found is None or not found.is_static else storage_bytes(found.element_type)
            if width is None:
                continue
            elements = prod(found.shape)
            size = digits // 2
            if size != width and size != width * elements:
                line, column = module.position(at)
                raise ParseError(
                    f"hex data of {size} bytes does not fit {elements} elements of {found.element_type} "
                    f"({width * elements} bytes, or {width} for a splat)",
                    line,
                    column,
                )


def _literal_type(text: str, after: int, end: int) -> str:
    """The `tensor<...>` that follows the literal (`dense<"0x..."> : tensor<6xf32>`, in the pretty and the generic
    form alike), read from the text after its closing quote: decoding the op's own signature would walk the
    digits again."""
    start = text.find("tensor<", after, end)
    if start < 0:
        return ""
    tokens = tokenize(text[start:end], strict=False)
    return text[start : start + tokens[matching_close(tokens, 1)].end]
