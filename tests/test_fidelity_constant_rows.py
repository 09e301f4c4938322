"""A row index that is a constant equal to an iota (torch_xla prints `torch.arange(B)` as `dense<[0, 1, ...]>`, or
past 100 elements as a hex blob) is a row iota: HF002/HF003/HF004 flag it, and the same fixes apply.

The constant decoder is checked against jaxlib's own MLIR parser (the elements it reads back), and the fixes
against XLA CPU (`hlo_fix.verify`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hlo_fix.fix.driver import fix_text
from hlo_fix.index_tracing.constant_iota import constant_iota_dim, dense_integers
from hlo_fix.ir.scanner import read_module
from hlo_fix.lint.checker import lint_module, lint_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text())["fixtures"]
ARANGE = sorted(n for n in MANIFEST if "_arange_" in n)


def constant_module(payload: str, type_: str) -> str:
    return f"""module {{
  func.func @main() -> {type_} {{
    %c = stablehlo.constant {payload} : {type_}
    return %c : {type_}
  }}
}}
"""


def hex_of(values, width: int, signed: bool = True) -> str:
    return 'dense<"0x' + "".join(v.to_bytes(width, "little", signed=signed).hex().upper() for v in values) + '">'


CONSTANTS = [
    ("dense<[0, 1, 2, 3, 4, 5, 6, 7]>", "tensor<8xi64>", 0),
    (hex_of(range(8), 8), "tensor<8xi64>", 0),
    (hex_of(range(8), 4, signed=False), "tensor<8xui32>", 0),
    (hex_of(range(130), 2), "tensor<130xi16>", 0),
    ("dense<[[0, 0, 0], [1, 1, 1]]>", "tensor<2x3xi32>", 0),
    ("dense<[[0, 1, 2], [0, 1, 2]]>", "tensor<2x3xi32>", 1),
    (hex_of([r for r in range(4) for _ in range(2)], 8), "tensor<4x2x1xi64>", 0),
    ("dense<[0, 2, 4, 6]>", "tensor<4xi32>", None),
    ("dense<[1, 2, 3, 4]>", "tensor<4xi32>", None),
    ("dense<[[0, 1], [1, 0]]>", "tensor<2x2xi32>", None),
    ("dense<[-1, 0, 1, 2]>", "tensor<4xi8>", None),
    ("dense<0>", "tensor<4xi32>", None),
    (hex_of([-1, 1, 2, 3], 1), "tensor<4xi8>", None),
    ("dense<[0.000000e+00, 1.000000e+00]>", "tensor<2xf32>", None),
]


def parse_with_jaxlib(text: str):
    """The constant's elements as jaxlib's MLIR parser reads them."""
    np = pytest.importorskip("numpy")
    pytest.importorskip("jax")
    from jax._src.interpreters import mlir as jax_mlir
    from jax._src.lib.mlir import ir

    with jax_mlir.make_ir_context():
        module = ir.Module.parse(text)
        op = module.body.operations[0].regions[0].blocks[0].operations[0]
        return np.array(op.attributes["value"]).ravel().tolist()


@pytest.mark.parametrize("payload, type_, expected", CONSTANTS)
def test_constant_iota_dim(payload, type_, expected):
    module = read_module(constant_module(payload, type_), "c.mlir")
    (op,) = module.ops_named("stablehlo.constant")
    assert constant_iota_dim(op) == expected


@pytest.mark.parametrize("payload, type_, expected", [c for c in CONSTANTS if "f32" not in c[1]])
def test_decoded_elements_match_jaxlib(payload, type_, expected):
    text = constant_module(payload, type_)
    module = read_module(text, "c.mlir")
    (op,) = module.ops_named("stablehlo.constant")
    result = op.results[0].type
    count = 1
    for n in result.shape:
        count *= n
    assert dense_integers(op.own_text, result.element_type, count) == parse_with_jaxlib(text)


def test_arange_fixtures_cover_both_printed_forms():
    texts = [(FIXTURES / name).read_text() for name in ARANGE]
    assert any("dense<[0, 1, 2," in t for t in texts)
    assert any('dense<"0x0000000000000000010000' in t for t in texts)
    assert len(ARANGE) == 8


@pytest.mark.parametrize("name", ARANGE)
def test_arange_rows_are_flagged_as_row_iotas(name):
    module = read_module((FIXTURES / name).read_text(), name)
    found = {f.code for f in lint_module(module)}
    assert ("HF002" if "gather" in name else "HF003") in found


def flat_module(rows: str) -> str:
    """`x.reshape(-1)[rows * 16 + idx]` with the rows given by `rows` (a [8, 2] i32 value named %r)."""
    return f"""module {{
  func.func @main(%arg0: tensor<8x16xf32>, %arg1: tensor<8x2xi32>) -> tensor<8x2xf32> {{
    %f = stablehlo.reshape %arg0 : (tensor<8x16xf32>) -> tensor<128xf32>
    {rows}
    %c = stablehlo.constant dense<16> : tensor<8x2xi32>
    %m = stablehlo.multiply %r, %c : tensor<8x2xi32>
    %s = stablehlo.add %m, %arg1 : tensor<8x2xi32>
    %i = stablehlo.reshape %s : (tensor<8x2xi32>) -> tensor<8x2x1xi32>
    %g = "stablehlo.gather"(%f, %i) <{{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1>}}> : (tensor<128xf32>, tensor<8x2x1xi32>) -> tensor<8x2xf32>
    return %g : tensor<8x2xf32>
  }}
}}
"""


def test_flat_index_with_constant_rows_is_hf004():
    arange = "%a = stablehlo.constant dense<[0, 1, 2, 3, 4, 5, 6, 7]> : tensor<8xi32>\n    %r = stablehlo.broadcast_in_dim %a, dims = [0] : (tensor<8xi32>) -> tensor<8x2xi32>"
    iota = "%a = stablehlo.iota dim = 0 : tensor<8xi32>\n    %r = stablehlo.broadcast_in_dim %a, dims = [0] : (tensor<8xi32>) -> tensor<8x2xi32>"
    codes = lambda text: sorted(f.code for f in lint_text(text, "t.mlir"))  # noqa: E731
    assert codes(flat_module(arange)) == codes(flat_module(iota)) == ["HF004"]
    not_arange = arange.replace("[0, 1, 2, 3, 4, 5, 6, 7]", "[0, 1, 2, 3, 4, 5, 7, 6]")
    assert codes(flat_module(not_arange)) == []


@pytest.mark.parametrize("name", ARANGE)
def test_arange_fixtures_fix_to_the_same_bits(name):
    pytest.importorskip("jax")
    from hlo_fix.verify import verify_texts

    text = (FIXTURES / name).read_text()
    result = fix_text(text, name, strategy="select")
    assert result.applied and not [f for f in result.remaining if f.code in ("HF002", "HF003")]
    assert "0x0000" not in result.new_text and "dense<[0, 1, 2," not in result.new_text  # the constant went dead
    report = verify_texts(text, result.new_text, seeds=2)
    assert report.ok, report.format()
