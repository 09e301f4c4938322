"""Hex data of a dense constant must fit its type (one element, a splat, or every element), as MLIR's parser
requires: a weight constant cut short or padded in an edit is an error, not a clean module. jaxlib decides which
sizes are valid, for each element type a StableHLO constant may have."""

from __future__ import annotations

import pytest

from hlo_fix.errors import ParseError
from hlo_fix.ir.scanner import read_module

# element type -> bytes per element in hex data (the test's own table; `storage_bytes` must agree with jaxlib)
TYPES = {"i1": 1, "i4": 1, "i8": 1, "ui16": 2, "i32": 4, "i64": 8, "bf16": 2, "f16": 2, "f32": 4, "f64": 8,
         "f8E4M3FN": 1, "f8E5M2": 1, "complex<f32>": 8, "complex<f64>": 16}
ELEMENTS = 6


def _module(element_type: str, size: int) -> str:
    data = "0x" + "01" * size
    return (f"func.func @main() -> tensor<{ELEMENTS}x{element_type}> {{\n"
            f'  %c = stablehlo.constant dense<"{data}"> : tensor<{ELEMENTS}x{element_type}>\n'
            f"  return %c : tensor<{ELEMENTS}x{element_type}>\n}}\n")


def _cases() -> list[str]:
    texts = []
    for element_type, width in TYPES.items():
        for size in (0, 1, width, width + 1, width * ELEMENTS - 1, width * ELEMENTS, width * ELEMENTS + width):
            texts.append(_module(element_type, size))
    return texts


def _reads(text: str) -> bool:
    try:
        read_module(text, "dense.mlir")
    except ParseError:
        return False
    return True


def test_a_hex_size_is_accepted_exactly_where_jaxlib_accepts_it():
    pytest.importorskip("jax")
    from tests.oracle.jaxlib_verdicts import judge

    texts = _cases()
    verdicts = judge(texts)
    assert 20 < sum(verdicts) < len(texts) - 20  # both kinds occur
    disagree = [text.splitlines()[1].strip()[-60:] for text, valid in zip(texts, verdicts) if _reads(text) != valid]
    assert not disagree, disagree


def test_the_error_names_the_sizes_at_the_literal():
    with pytest.raises(ParseError) as caught:
        read_module(_module("f32", 4 * ELEMENTS - 1), "dense.mlir")
    assert (caught.value.line, caught.value.column) == (2, 27)
    assert caught.value.message == "hex data of 23 bytes does not fit 6 elements of f32 (24 bytes, or 4 for a splat)"
    with pytest.raises(ParseError) as odd:
        read_module(_module("f32", 4).replace('"0x', '"0x0', 1), "dense.mlir")
    assert "odd number of digits" in odd.value.message
