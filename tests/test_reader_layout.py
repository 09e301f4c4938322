"""MLIR is not line-based: each way of breaking (or not breaking) lines that jaxlib's parser accepts, as a small
module, read the same by both readers, with the structure and types the rules rely on.

Every case is first checked against jaxlib (the oracle, verdicts cached in tests/oracle/verdicts.json), so none
of these forms is our invention; then the fast reader and strict mode must agree on it and print it back.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hlo_fix.api import lint_text
from hlo_fix.errors import ParseError
from hlo_fix.ir.printer import print_module
from hlo_fix.ir.scanner import read_module
from hlo_fix.ir.strict import agreement, read_module_strict
from hlo_fix.ir.types import parse_type
from tests.oracle.chunks import Chunk
from tests.oracle.jaxlib_verdicts import verdicts


def jaxlib_accepts(text: str) -> bool:
    chunk = Chunk(Path("layout.mlir"), 0, 1, text)
    return verdicts([chunk], write=True)[chunk.key]


def read(text: str):
    text = textwrap.dedent(text).lstrip("\n")
    assert jaxlib_accepts(text), "jaxlib rejects this case: it is not valid MLIR"
    module = read_module(text, "layout.mlir")
    assert agreement(text, "layout.mlir") == []
    assert print_module(module) == text
    read_module_strict(text, "layout.mlir")
    return module


def ops(module) -> list[str]:
    return [op.name for op in module.walk()]


def types(module, name: str) -> list:
    return [op.result_types for op in module.walk() if op.name == name]


T = parse_type("tensor<4xf32>")


def test_signature_continued_on_the_next_line():
    module = read(
        """
        func.func @f(%a: tensor<4xf32>)
            -> tensor<4xf32> {
          %0 = stablehlo.add %a, %a
            : tensor<4xf32>
          %1 = stablehlo.multiply %0, %0 :
            tensor<4xf32>
          %2 = "stablehlo.abs"(%1) : (tensor<4xf32>) ->
            tensor<4xf32>
          return %2 : tensor<4xf32>
        }
        """
    )
    assert ops(module) == ["func.func", "stablehlo.add", "stablehlo.multiply", "stablehlo.abs", "return"]
    assert [t for name in ("stablehlo.add", "stablehlo.multiply", "stablehlo.abs") for t in types(module, name)] == [
        [T], [T], [T],
    ]  # fmt: skip
    function = module.ops[0]
    assert function.operands == [] and [v.name for v in function.regions[0].arguments] == ["%a"]


def test_brace_alone_on_its_line_opens_a_region_or_a_dictionary():
    module = read(
        """
        func.func @f(%a: tensor<4xf32>) -> tensor<4xf32>
        {
          %0 = "stablehlo.abs"(%a)
          {
            some.attr = 1 : i64
          }
          : (tensor<4xf32>) -> tensor<4xf32>
          return %0 : tensor<4xf32>
        }
        """
    )
    assert ops(module) == ["func.func", "stablehlo.abs", "return"]
    assert module.ops[0].regions and not module.ops_named("stablehlo.abs")[0].regions
    assert module.ops_named("stablehlo.abs")[0].attributes.int("some.attr") == 1


def test_an_op_continued_with_keys_regions_and_operands():
    module = read(
        """
        func.func @f(%a: tensor<4x8xf32>, %b: tensor<8x2xf32>) -> tensor<4xf32> {
          %0 = stablehlo.dot_general %a,
              %b,
              contracting_dims = [1] x [0]
              : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
          %init = stablehlo.constant dense<0.0> : tensor<f32>
          %1 = "stablehlo.reduce"(%0, %init)
            <{dimensions = array<i64: 1>}>
            ({
            ^bb0(%x: tensor<f32>, %y: tensor<f32>):
              %s = stablehlo.add %x, %y : tensor<f32>
              stablehlo.return %s : tensor<f32>
            })
            : (tensor<4x2xf32>, tensor<f32>) -> tensor<4xf32>
          return %1 : tensor<4xf32>
        }
        """
    )
    dot = module.ops_named("stablehlo.dot_general")[0]
    assert [v.name for v in dot.operands] == ["%a", "%b"] and dot.result_types == [parse_type("tensor<4x2xf32>")]
    reduce = module.ops_named("stablehlo.reduce")[0]
    assert [v.name for v in reduce.regions[0].arguments] == ["%x", "%y"]
    assert reduce.result_types == [T] and reduce.attributes.names() == ["dimensions"]


def test_generic_name_followed_by_a_space():
    module = read(
        """
        func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
          %0 = "stablehlo.abs" (%a) : (tensor<4xf32>) -> tensor<4xf32>
          return %0 : tensor<4xf32>
        }
        """
    )
    assert module.ops_named("stablehlo.abs")[0].operands[0].name == "%a"


def test_type_and_attribute_lines_inside_brackets_are_no_alias_definitions():
    module = read(
        """
        func.func @f(%a: tensor<4xf32>) -> (tensor<4xf32>,
        !stablehlo.token) {
          %t = stablehlo.create_token : !stablehlo.token
          %0 = stablehlo.custom_call @foo(%a) {backend_config = "",
        mhlo.frontend_attributes = {x = "y"}} : (tensor<4xf32>) -> tensor<4xf32>
          return %0, %t : tensor<4xf32>, !stablehlo.token
        }
        """
    )
    assert ops(module) == ["func.func", "stablehlo.create_token", "stablehlo.custom_call", "return"]


def test_dialect_resources_after_the_module():
    module = read(
        """
        func.func @f() -> tensor<2xf32> {
          %0 = stablehlo.constant dense_resource<blob> : tensor<2xf32>
          return %0 : tensor<2xf32>
        }
        {-#
          dialect_resources: {
            builtin: {
              blob: "0x040000000000803F00000040"
            }
          }
        #-}
        """
    )
    assert ops(module) == ["func.func", "stablehlo.constant", "return"]


def test_a_location_reference_inside_a_string_is_text():
    module = read(
        """
        func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
          %0 = stablehlo.custom_call @foo(%a) {backend_config = "see loc(#loc9)"} : (tensor<4xf32>) -> tensor<4xf32>
          return %0 : tensor<4xf32>
        }
        """
    )
    assert module.ops_named("stablehlo.custom_call")[0].attributes.get("backend_config") == "\"see loc(#loc9)\""


def test_two_ops_on_one_line_and_a_module_on_one_line():
    two = read(
        """
        func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
          %0 = stablehlo.abs %a : tensor<4xf32> %1 = stablehlo.negate %0 : tensor<4xf32>
          return %1 : tensor<4xf32>
        }
        """
    )
    assert ops(two) == ["func.func", "stablehlo.abs", "stablehlo.negate", "return"]
    assert two.ops_named("stablehlo.negate")[0].operands[0].owner.name == "stablehlo.abs"
    terminator = read(
        """
        func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
          %0 = stablehlo.abs %a : tensor<4xf32> return %0 : tensor<4xf32>
        }
        """
    )
    assert ops(terminator) == ["func.func", "stablehlo.abs", "return"]
    assert terminator.ops_named("return")[0].operands[0].owner.name == "stablehlo.abs"
    one = read(
        "module { func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> { %0 = stablehlo.abs %a : tensor<4xf32>"
        " return %0 : tensor<4xf32> } }\n"
    )
    assert ops(one) == ["module", "func.func", "stablehlo.abs", "return"]
    assert types(one, "stablehlo.abs") == [[T]]


def test_carriage_returns_end_lines():
    module = read("func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\r  %0 = stablehlo.abs %a : tensor<4xf32>"
                  "  // a comment ends at CR\r  return %0 : tensor<4xf32>\r}\r")
    assert ops(module) == ["func.func", "stablehlo.abs", "return"]


SEED = """
func.func @main(%table: tensor<64x160xf32> {sdy.sharding = #sdy.sharding<@mesh, [{"batch"}, {}]>},
                %idx: tensor<64x8xi32> {sdy.sharding = #sdy.sharding<@mesh, [{"batch"}, {}]>}) -> tensor<64x8xf32> {
  %rows = stablehlo.iota dim = 0 : tensor<64x8x1xi32>
  %cols = stablehlo.reshape %idx : (tensor<64x8xi32>) -> tensor<64x8x1xi32>
  %both = stablehlo.concatenate %rows, %cols, dim = 2 : (tensor<64x8x1xi32>, tensor<64x8x1xi32>) -> tensor<64x8x2xi32>
  %0 = "stablehlo.gather"(%table, %both) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 2>, slice_sizes = array<i64: 1, 1>}> : (tensor<64x160xf32>, tensor<64x8x2xi32>) -> tensor<64x8xf32>
  return %0 : tensor<64x8xf32>
}
"""
MESH = 'sdy.mesh @mesh = <["batch"=4]>\n'


def test_the_seed_hazard_is_found_however_the_module_is_laid_out():
    text = MESH + SEED.lstrip("\n")
    expected = [(f.code, f.severity) for f in lint_text(text)]
    assert ("HF002", "error") in expected
    one_line = " ".join(line.strip() for line in text.splitlines()) + "\n"
    for variant in (one_line, text.replace("\n", "\r"), text.replace("\n", "\r\n")):
        assert jaxlib_accepts(variant)
        assert [(f.code, f.severity) for f in lint_text(variant)] == expected


@pytest.mark.parametrize(
    "dialect, text",
    [
        ("MHLO", "func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = mhlo.abs %a : tensor<4xf32>\n"
                 "  return %0 : tensor<4xf32>\n}\n"),
        ("TOSA", "func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = tosa.abs %a : (tensor<4xf32>) ->"
                 " tensor<4xf32>\n  return %0 : tensor<4xf32>\n}\n"),
    ],
)
def test_a_foreign_dialect_is_an_error_not_a_clean_pass(dialect, text):
    with pytest.raises(ParseError) as caught:
        read_module(text, "foreign.mlir")
    assert (caught.value.line, caught.value.column) == (2, 3)
    assert f"this is a{'n' if dialect == 'MHLO' else ''} {dialect} module" in caught.value.message
    assert "hlo-fix reads StableHLO" in caught.value.message


def test_a_result_count_the_text_cannot_hold_is_an_error():
    with pytest.raises(ParseError) as caught:
        read_module('func.func @f() {\n  %0:100000000 = "t.op"() : () -> (i32)\n  return\n}\n', "big.mlir")
    assert caught.value.line == 2 and "declares 100000000 results" in caught.value.message
