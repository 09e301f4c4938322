"""Each textual form the fast reader must accept, as a small hand-written module, and the IR it must build:
op names, results, operands (linked to their definitions), regions and their arguments, and what the on-demand
decoders give for types (`value.type`), attributes (`op.attributes`) and locations (`op.location`).

Every module here is also checked against strict mode (`agreement`) and printed back unchanged, so a form that
one reader handles differently from the other fails here with a small input.
"""

from __future__ import annotations

import textwrap

import pytest

from hlo_fix.ir.attributes import parse_string
from hlo_fix.ir.locations import SourceLocation
from hlo_fix.ir.model import Module, Op
from hlo_fix.ir.printer import print_module
from hlo_fix.ir.scanner import read_module
from hlo_fix.ir.strict import agreement, read_module_strict
from hlo_fix.ir.types import TensorType


def read(text: str) -> Module:
    """Read with both readers; they must agree, and printing must give the text back."""
    text = textwrap.dedent(text).lstrip("\n")
    module = read_module(text, "forms.mlir")
    assert agreement(text, "forms.mlir") == []
    assert print_module(module) == text
    read_module_strict(text, "forms.mlir")
    return module


def only(module: Module, name: str) -> Op:
    ops = module.ops_named(name)
    assert len(ops) == 1, f"{len(ops)} ops named {name}"
    return ops[0]


def names(values) -> list[str]:
    return [value.name for value in values]


def tensor(text: str) -> TensorType:
    """The expected `value.type`, written the way MLIR prints it."""
    from hlo_fix.ir.types import parse_type

    return parse_type(text)


# -- modules and functions ------------------------------------------------------------------------------------


def test_named_module_with_attribute_dictionary():
    module = read(
        """
        module @jit_f attributes {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} {
          func.func public @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
            return %arg0 : tensor<4xf32>
          }
        }
        """
    )
    [top] = module.ops
    assert top.name == "module" and top.attributes.symbol() == "jit_f"
    assert top.attributes.int("mhlo.num_partitions") == 8
    assert top.attributes.get("mhlo.num_replicas") == "1 : i32"
    assert [op.name for op in top.regions[0].ops] == ["func.func"]
    assert only(module, "return").function is only(module, "func.func")


def test_bare_top_level_functions():
    module = read(
        """
        func.func @f(%arg0: tensor<f32>) -> tensor<f32> {
          return %arg0 : tensor<f32>
        }
        func.func @g() {
          return
        }
        """
    )
    assert [op.name for op in module.ops] == ["func.func", "func.func"]
    assert list(module.functions) == ["f", "g"]
    [ret_f, ret_g] = module.ops_named("return")
    assert names(ret_f.operands) == ["%arg0"] and ret_f.operands[0].owner is module.functions["f"]
    assert ret_g.operands == [] and ret_g.parent_op is module.functions["g"]


def test_public_and_private_functions_with_argument_and_result_attributes():
    module = read(
        """
        module @m {
          func.func public @main(%arg0: tensor<8x16xf32> {mhlo.sharding = "{devices=[4,1,2]<=[8] last_tile_dim_replicate}"}, %arg1: tensor<16xf32> {mhlo.layout_mode = "default"}) -> (tensor<8x16xf32> {jax.result_info = "result[0]", mhlo.sharding = "{replicated}"}) {
            %0 = call @helper(%arg0, %arg1) : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
            return %0 : tensor<8x16xf32>
          }
          func.func private @helper(%arg0: tensor<8x16xf32>, %arg1: tensor<16xf32>) -> tensor<8x16xf32> {
            %0 = stablehlo.broadcast_in_dim %arg1, dims = [1] : (tensor<16xf32>) -> tensor<8x16xf32>
            %1 = stablehlo.add %arg0, %0 : tensor<8x16xf32>
            return %1 : tensor<8x16xf32>
          }
        }
        """
    )
    main, helper = module.functions["main"], module.functions["helper"]
    assert main.attributes.words()[0] == "public" and helper.attributes.words()[0] == "private"
    arguments = main.regions[0].arguments
    assert names(arguments) == ["%arg0", "%arg1"]
    assert [value.index for value in arguments] == [-1, -2]
    assert arguments[0].type == tensor("tensor<8x16xf32>") and arguments[1].type == tensor("tensor<16xf32>")
    assert parse_string(main.attributes.get("mhlo.sharding")) == "{devices=[4,1,2]<=[8] last_tile_dim_replicate}"
    assert main.attributes.get("jax.result_info") == '"result[0]"'
    call = only(module, "call")
    assert call.attributes.symbol() == "helper"
    assert names(call.operands) == ["%arg0", "%arg1"] and all(v.owner is main for v in call.operands)
    # The helper's %arg0 is its own: sibling functions reuse names.
    add = only(module, "stablehlo.add")
    assert add.operands[0].owner is helper and add.operands[1].owner is only(module, "stablehlo.broadcast_in_dim")


# -- pretty StableHLO ops -------------------------------------------------------------------------------------

ELEMENTWISE = """
func.func @main(%arg0: tensor<4x8xf32>, %arg1: tensor<8x6xf32>) -> tensor<4x6xf32> {
  %0 = stablehlo.iota dim = 1 : tensor<4x8xi32>
  %cst = stablehlo.constant dense<"0x0000803F00000040"> : tensor<2xf32>
  %cst_0 = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %1 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<4x8xf32>
  %2 = stablehlo.reshape %arg0 : (tensor<4x8xf32>) -> tensor<32xf32>
  %3 = stablehlo.transpose %arg0, dims = [1, 0] : (tensor<4x8xf32>) -> tensor<8x4xf32>
  %4 = stablehlo.concatenate %arg0, %1, dim = 0 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  %5 = stablehlo.slice %4 [0:4, 2:8:2] : (tensor<8x8xf32>) -> tensor<4x3xf32>
  %6 = stablehlo.convert %0 : (tensor<4x8xi32>) -> tensor<4x8xf32>
  %7 = stablehlo.compare  LT, %6, %arg0,  FLOAT : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xi1>
  %8 = stablehlo.select %7, %arg0, %1 : tensor<4x8xi1>, tensor<4x8xf32>
  %9 = stablehlo.dot_general %8, %arg1, contracting_dims = [1] x [0], precision = [DEFAULT, DEFAULT] : (tensor<4x8xf32>, tensor<8x6xf32>) -> tensor<4x6xf32>
  return %9 : tensor<4x6xf32>
}
"""


def test_pretty_ops_names_operands_and_types():
    module = read(ELEMENTWISE)
    body = module.functions["main"].regions[0].ops
    assert [op.name.removeprefix("stablehlo.") for op in body] == [
        "iota", "constant", "constant", "broadcast_in_dim", "reshape", "transpose", "concatenate", "slice",
        "convert", "compare", "select", "dot_general", "return",
    ]  # fmt: skip
    by_result = {op.results[0].name: op for op in body if op.results}
    assert names(by_result["%4"].operands) == ["%arg0", "%1"]
    assert names(by_result["%8"].operands) == ["%7", "%arg0", "%1"]
    assert names(by_result["%9"].operands) == ["%8", "%arg1"]
    assert by_result["%5"].result.type == tensor("tensor<4x3xf32>")
    assert by_result["%8"].result.type == tensor("tensor<4x8xf32>")  # `: P, T` gives the result type last
    assert by_result["%0"].result.type.element_type == "i32"
    assert by_result["%7"].result.type.element_type == "i1"
    assert by_result["%2"].operands[0].type.shape == (4, 8)
    # Each use is recorded on the value: %arg0 feeds five ops.
    assert [op.name for op in module.functions["main"].regions[0].arguments[0].users] == [
        "stablehlo.reshape", "stablehlo.transpose", "stablehlo.concatenate", "stablehlo.compare", "stablehlo.select",
    ]  # fmt: skip


def test_pretty_ops_attributes():
    module = read(ELEMENTWISE)
    ops = {op.results[0].name: op for op in module.walk() if op.results}
    assert ops["%0"].attributes.int("dim") == 1
    assert 'dense<"0x0000803F00000040">' in ops["%cst"].own_text
    assert ops["%cst_0"].result.type == tensor("tensor<f32>")
    assert ops["%1"].attributes.ints("dims") == []
    assert ops["%3"].attributes.ints("dims") == [1, 0]
    assert ops["%4"].attributes.int("dim") == 0
    assert ops["%7"].attributes.words() == ["LT", "FLOAT"]
    assert ops["%9"].attributes.get("contracting_dims") == "[1] x [0]"
    assert ops["%9"].attributes.get("precision") == "[DEFAULT, DEFAULT]"


# -- ops with regions -----------------------------------------------------------------------------------------


def test_reduce_compact_applies_form():
    module = read(
        """
        func.func @main(%arg0: tensor<4x8xf32>) -> tensor<4xf32> {
          %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
          %0 = stablehlo.reduce(%arg0 init: %cst) applies stablehlo.add across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
          return %0 : tensor<4xf32>
        }
        """
    )
    reduce = only(module, "stablehlo.reduce")
    assert reduce.regions == ()
    assert names(reduce.operands) == ["%arg0", "%cst"]
    assert reduce.attributes.ints("dimensions") == [1]
    assert reduce.result.type == tensor("tensor<4xf32>")
    assert module.ops_named("stablehlo.add") == []  # `applies stablehlo.add` names the reducer, it is no op


def test_reduce_region_form_with_reducer_arguments():
    module = read(
        """
        func.func @main(%arg0: tensor<15xf32>, %arg1: tensor<15xi32>) -> tensor<i32> {
          %cst = stablehlo.constant dense<0xFF800000> : tensor<f32>
          %c = stablehlo.constant dense<0> : tensor<i32>
          %0:2 = stablehlo.reduce(%arg0 init: %cst), (%arg1 init: %c) across dimensions = [0] : (tensor<15xf32>, tensor<15xi32>, tensor<f32>, tensor<i32>) -> (tensor<f32>, tensor<i32>)
           reducer(%arg2: tensor<f32>, %arg4: tensor<f32>) (%arg3: tensor<i32>, %arg5: tensor<i32>)  {
            %1 = stablehlo.compare  GT, %arg2, %arg4,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
            %2 = stablehlo.select %1, %arg2, %arg4 : tensor<i1>, tensor<f32>
            %3 = stablehlo.select %1, %arg3, %arg5 : tensor<i1>, tensor<i32>
            stablehlo.return %2, %3 : tensor<f32>, tensor<i32>
          }
          return %0#1 : tensor<i32>
        }
        """
    )
    reduce = only(module, "stablehlo.reduce")
    assert names(reduce.results) == ["%0#0", "%0#1"]
    assert names(reduce.operands) == ["%arg0", "%cst", "%arg1", "%c"]
    [region] = reduce.regions
    assert sorted(names(region.arguments)) == ["%arg2", "%arg3", "%arg4", "%arg5"]
    assert all(value.owner is reduce and value.is_block_argument for value in region.arguments)
    assert [op.name for op in region.ops] == ["stablehlo.compare", "stablehlo.select", "stablehlo.select",
                                             "stablehlo.return"]  # fmt: skip
    select_i32 = region.ops[2]
    assert select_i32.operands[1].owner is reduce and select_i32.operands[1].type == tensor("tensor<i32>")
    ret = only(module, "return")
    assert ret.operands[0] is reduce.results[1] and ret.parent_op is module.functions["main"]


def test_while_with_cond_and_do_regions():
    module = read(
        """
        func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
          %c = stablehlo.constant dense<0> : tensor<i32>
          %c_0 = stablehlo.constant dense<10> : tensor<i32>
          %0:2 = stablehlo.while(%iterArg = %c, %iterArg_1 = %arg0) : tensor<i32>, tensor<4xf32>
           cond {
            %1 = stablehlo.compare  LT, %iterArg, %c_0,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
            stablehlo.return %1 : tensor<i1>
          } do {
            %c_2 = stablehlo.constant dense<1> : tensor<i32>
            %1 = stablehlo.add %iterArg, %c_2 : tensor<i32>
            %2 = stablehlo.add %iterArg_1, %iterArg_1 : tensor<4xf32>
            stablehlo.return %1, %2 : tensor<i32>, tensor<4xf32>
          }
          return %0#1 : tensor<4xf32>
        }
        """
    )
    loop = only(module, "stablehlo.while")
    assert names(loop.operands) == ["%c", "%arg0"]  # the inits; the iteration arguments are defined here
    assert names(loop.results) == ["%0#0", "%0#1"]
    assert len(loop.regions) == 2
    cond, body = loop.regions
    assert names(cond.arguments) == ["%iterArg", "%iterArg_1"] == names(body.arguments)
    compare = cond.ops[0]
    assert compare.operands[0] in cond.arguments and compare.operands[1].owner.results[0].name == "%c_0"
    assert compare.operands[0].type == tensor("tensor<i32>")
    assert body.arguments[1].type == tensor("tensor<4xf32>")
    # Both regions define %1: each region's names are its own.
    assert [op.result.owner.parent is body for op in body.ops if op.results] == [True, True, True]
    assert only(module, "return").operands[0] is loop.results[1]


def test_custom_call_and_composite():
    module = read(
        """
        func.func @main(%arg0: tensor<8x128xf32>, %arg1: tensor<64x20xf32>) -> tensor<8x128xf32> {
          %0 = stablehlo.custom_call @Sharding(%arg0) {backend_config = "", mhlo.sharding = "{devices=[4,1,2]<=[8] last_tile_dim_replicate}"} : (tensor<8x128xf32>) -> tensor<8x128xf32>
          %1:2 = stablehlo.composite "chlo.top_k" %arg1 {composite_attributes = {k = 2 : i64}, decomposition = @chlo.top_k.impl, version = 1 : i32} : (tensor<64x20xf32>) -> (tensor<64x2xf32>, tensor<64x2xi32>)
          return %0 : tensor<8x128xf32>
        }
        """
    )
    custom_call = only(module, "stablehlo.custom_call")
    assert custom_call.attributes.symbol() == "Sharding"
    assert names(custom_call.operands) == ["%arg0"]
    assert parse_string(custom_call.attributes.get("mhlo.sharding")) == "{devices=[4,1,2]<=[8] last_tile_dim_replicate}"
    assert custom_call.attributes.get("backend_config") == '""'
    composite = only(module, "stablehlo.composite")
    assert names(composite.results) == ["%1#0", "%1#1"] and names(composite.operands) == ["%arg1"]
    assert composite.attributes.get("decomposition") == "@chlo.top_k.impl"
    assert composite.attributes.get("composite_attributes") == "{k = 2 : i64}"
    assert composite.attributes.int("k") == 2
    assert composite.result_types == [tensor("tensor<64x2xf32>"), tensor("tensor<64x2xi32>")]


# -- generic form ---------------------------------------------------------------------------------------------


def test_generic_gather_with_properties():
    module = read(
        """
        func.func @main(%arg0: tensor<64x160xf32>, %arg1: tensor<64x8x2xi32>) -> tensor<64x8xf32> {
          %0 = "stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}> : (tensor<64x160xf32>, tensor<64x8x2xi32>) -> tensor<64x8xf32>
          return %0 : tensor<64x8xf32>
        }
        """
    )
    gather = only(module, "stablehlo.gather")
    assert names(gather.operands) == ["%arg0", "%arg1"]
    assert gather.attributes.ints("slice_sizes") == [1, 1]
    assert gather.attributes.get("indices_are_sorted") == "false"
    assert gather.attributes.get("dimension_numbers").startswith("#stablehlo.gather<collapsed_slice_dims = [0, 1]")
    assert gather.operands[1].type == tensor("tensor<64x8x2xi32>")
    assert gather.result.type == tensor("tensor<64x8xf32>")


def test_generic_gather_with_legacy_attribute_dictionary_over_several_lines():
    module = read(
        """
        func.func @main(%arg0: tensor<4x2xf32>, %arg1: tensor<3x1xi32>) -> tensor<3x2xf32> {
          %0 = "stablehlo.gather"(%arg0, %arg1) {
            dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>,
            indices_are_sorted = false,
            slice_sizes = array<i64: 1, 2>
          } : (tensor<4x2xf32>, tensor<3x1xi32>) -> tensor<3x2xf32>
          %1 = stablehlo.abs %0 : tensor<3x2xf32>
          return %1 : tensor<3x2xf32>
        }
        """
    )
    gather = only(module, "stablehlo.gather")
    assert (gather.line, gather.column) == (2, 3)
    assert gather.end_position == (6, 60)
    assert gather.regions == ()
    assert names(gather.operands) == ["%arg0", "%arg1"]
    assert gather.attributes.ints("slice_sizes") == [1, 2]
    assert gather.result.type == tensor("tensor<3x2xf32>")
    assert only(module, "stablehlo.abs").operands[0] is gather.result


def test_generic_scatter_with_region_and_block_label():
    module = read(
        """
        func.func @main(%arg0: tensor<64x160xf32>, %arg1: tensor<64x8x2xi32>, %arg2: tensor<64x8xf32>) -> tensor<64x160xf32> {
          %0 = "stablehlo.scatter"(%arg0, %arg1, %arg2) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 2>}> ({
          ^bb0(%arg3: tensor<f32>, %arg4: tensor<f32>):
            %1 = stablehlo.add %arg3, %arg4 : tensor<f32>
            stablehlo.return %1 : tensor<f32>
          }) : (tensor<64x160xf32>, tensor<64x8x2xi32>, tensor<64x8xf32>) -> tensor<64x160xf32>
          return %0 : tensor<64x160xf32>
        }
        """
    )
    scatter = only(module, "stablehlo.scatter")
    assert names(scatter.operands) == ["%arg0", "%arg1", "%arg2"]
    [region] = scatter.regions
    assert names(region.arguments) == ["%arg3", "%arg4"]
    assert all(value.owner is scatter for value in region.arguments)
    assert region.arguments[1].type == tensor("tensor<f32>")
    add = region.ops[0]
    assert add.operands == region.arguments and add.parent_op is scatter
    assert scatter.result.type == tensor("tensor<64x160xf32>")
    assert "inserted_window_dims" in scatter.attributes.get("scatter_dimension_numbers")


def test_chlo_top_k_with_named_results():
    module = read(
        """
        func.func @main(%arg0: tensor<64x20xf32>) -> tensor<64x2xi32> {
          %values, %indices = chlo.top_k(%arg0, k = 2) : tensor<64x20xf32> -> (tensor<64x2xf32>, tensor<64x2xi32>)
          return %indices : tensor<64x2xi32>
        }
        """
    )
    top_k = only(module, "chlo.top_k")
    assert names(top_k.results) == ["%values", "%indices"] and [v.index for v in top_k.results] == [0, 1]
    assert names(top_k.operands) == ["%arg0"]
    assert top_k.attributes.int("k") == 2
    assert top_k.results[1].type == tensor("tensor<64x2xi32>")
    assert only(module, "return").operands[0] is top_k.results[1]


def test_unknown_dialect_ops_are_opaque_but_linked():
    module = read(
        """
        func.func @main(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>) -> tensor<4xf32> {
          %0 = "acme.frobnicate"(%arg0, %arg1) {level = 3 : i64, mode = #acme<mode fast>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
          %1:2 = acme.twiddle %0, %arg1 [2, 3] <{x = 1}> : tensor<4xf32> -> (tensor<4xf32>, tensor<2xi8>)
          "acme.sink"(%1#1) : (tensor<2xi8>) -> ()
          return %1#0 : tensor<4xf32>
        }
        """
    )
    frob, twiddle, sink = (only(module, name) for name in ("acme.frobnicate", "acme.twiddle", "acme.sink"))
    assert names(frob.operands) == ["%arg0", "%arg1"] and frob.attributes.int("level") == 3
    assert frob.result.type == tensor("tensor<4xf32>")
    assert names(twiddle.operands) == ["%0", "%arg1"] and twiddle.operands[0] is frob.result
    assert twiddle.result_types == [tensor("tensor<4xf32>"), tensor("tensor<2xi8>")]
    assert sink.results == [] and sink.operands == [twiddle.results[1]]


def test_multiple_results_and_numbered_uses():
    module = read(
        """
        func.func @main(%arg0: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
          %0:2 = "acme.split"(%arg0) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
          %1 = stablehlo.add %0#1, %0#0 : tensor<4xf32>
          return %1, %0#1 : tensor<4xf32>, tensor<4xf32>
        }
        """
    )
    split, add, ret = only(module, "acme.split"), only(module, "stablehlo.add"), only(module, "return")
    assert names(split.results) == ["%0#0", "%0#1"] and [v.index for v in split.results] == [0, 1]
    assert add.operands == [split.results[1], split.results[0]]
    assert ret.operands == [add.result, split.results[1]]
    assert split.results[1].users == [add, ret]


# -- Shardy and GSPMD -----------------------------------------------------------------------------------------


def test_shardy_mesh_shardings_constraint_and_manual_computation():
    module = read(
        """
        module @jit_f attributes {mhlo.frontend_attributes = {xla.sdy.meshes = "{}"}, mhlo.num_partitions = 8 : i32} {
          sdy.mesh @mesh = <["batch"=4, "model"=2]>
          func.func public @main(%arg0: tensor<16x16xf32> {sdy.sharding = #sdy.sharding<@mesh, [{"batch"}, {}]>}) -> (tensor<16x16xf32> {jax.result_info = "result", sdy.sharding = #sdy.sharding<@mesh, [{"batch"}, {}]>}) {
            %0 = sdy.sharding_constraint %arg0 <@mesh, [{}, {"batch"}]> : tensor<16x16xf32>
            %1 = stablehlo.add %0, %0 {sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{"batch"}, {}]>]>} : tensor<16x16xf32>
            %2 = sdy.manual_computation(%1) in_shardings=[<@mesh, [{"batch"}, {}]>] out_shardings=[<@mesh, [{"batch"}, {}]>] manual_axes={"batch", "model"} (%arg1: tensor<4x16xf32>) {
              %3 = stablehlo.multiply %arg1, %arg1 : tensor<4x16xf32>
              sdy.return %3 : tensor<4x16xf32>
            } : (tensor<16x16xf32>) -> tensor<16x16xf32>
            return %2 : tensor<16x16xf32>
          }
        }
        """
    )
    mesh = only(module, "sdy.mesh")
    assert mesh.attributes.symbol() == "mesh" and mesh.results == [] and mesh.parent_op is module.ops[0]
    main = module.functions["main"]
    assert main.attributes.get("sdy.sharding") == '#sdy.sharding<@mesh, [{"batch"}, {}]>'
    constraint = only(module, "sdy.sharding_constraint")
    assert names(constraint.operands) == ["%arg0"] and constraint.result.type == tensor("tensor<16x16xf32>")
    add = only(module, "stablehlo.add")
    assert add.attributes.get("sdy.sharding") == '#sdy.sharding_per_value<[<@mesh, [{"batch"}, {}]>]>'
    manual = only(module, "sdy.manual_computation")
    assert names(manual.operands) == ["%1"]
    assert manual.attributes.get("manual_axes").startswith('{"batch", "model"}')
    [region] = manual.regions
    assert names(region.arguments) == ["%arg1"] and region.arguments[0].type == tensor("tensor<4x16xf32>")
    assert [op.name for op in region.ops] == ["stablehlo.multiply", "sdy.return"]
    assert region.ops[1].operands == [region.ops[0].result]
    assert manual.result.type == tensor("tensor<16x16xf32>")
    assert only(module, "return").operands == [manual.result]


# -- locations ------------------------------------------------------------------------------------------------


def test_locations_inline_and_through_aliases_before_and_after_the_module():
    module = read(
        """
        #loc1 = loc("model.py":10:4)
        #loc2 = loc("model.py":20:8 to :30)
        module @m {
          func.func @main(%arg0: tensor<4xf32> loc("x")) -> tensor<4xf32> {
            %0 = stablehlo.abs %arg0 : tensor<4xf32> loc(#loc5)
            %1 = stablehlo.negate %0 : tensor<4xf32> loc(#loc6)
            %2 = stablehlo.exponential %1 : tensor<4xf32> loc(callsite("inner.py":3:1 at "outer.py":9:2))
            %3 = stablehlo.sine %2 : tensor<4xf32> loc(#loc7)
            %4 = stablehlo.cosine %3 : tensor<4xf32> loc("jit(f)/cos"("lib.py":7:5 to 8:1))
            %5 = stablehlo.tanh %4 : tensor<4xf32> loc(#loc)
            %6 = stablehlo.sqrt %5 : tensor<4xf32>
            return %6 : tensor<4xf32> loc(#loc)
          } loc(#loc)
        } loc(#loc)
        #loc = loc(unknown)
        #loc3 = loc("router"(#loc2))
        #loc4 = loc(callsite(#loc3 at #loc1))
        #loc5 = loc("jit(f)/abs"(#loc4))
        #loc6 = loc(fused<"xla">[#loc, "fused.py":5:1, #loc1])
        #loc7 = loc(fused[#loc3, "b.py":2:2])
        """
    )

    def source(name: str) -> SourceLocation | None:
        location = only(module, name).location
        return None if location is None else location.python_source()

    # The callee of a call site is the innermost frame: model.py:20 (in "router"), called from model.py:10.
    assert source("stablehlo.abs") == SourceLocation("model.py", 20, 8)
    assert only(module, "stablehlo.abs").location.kind == "name"
    assert source("stablehlo.negate") == SourceLocation("fused.py", 5, 1)  # first fused part with a file
    assert source("stablehlo.exponential") == SourceLocation("inner.py", 3, 1)
    assert source("stablehlo.sine") == SourceLocation("model.py", 20, 8)
    assert source("stablehlo.cosine") == SourceLocation("lib.py", 7, 5)
    assert source("stablehlo.tanh") is None and only(module, "stablehlo.tanh").location.kind == "unknown"
    assert only(module, "stablehlo.sqrt").location is None
    assert module.functions["main"].location.kind == "unknown"  # `} loc(#loc)` after the body
    assert sorted(module.aliases) == ["#loc", "#loc1", "#loc2", "#loc3", "#loc4", "#loc5", "#loc6", "#loc7"]
    assert module.alias_text("#loc3") == 'loc("router"(#loc2))'
    assert [op.name for op in module.ops] == ["module"]


# -- comments, split files, types -----------------------------------------------------------------------------


def test_comments_and_split_markers_give_two_modules():
    module = read(
        """
        // RUN: stablehlo-translate --interpret -split-input-file %s

        module {
          // A comment inside a region, with brackets ( [ { and a value %0.
          func.func @first() {
            %c = stablehlo.constant dense<1> : tensor<i32>  // trailing comment without brackets
            return
          }
        }

        // -----

        module {
          func.func @second() {
            return
          }
        }
        """
    )
    first, second = module.ops
    assert first.name == second.name == "module"
    assert (second.line, second.column) == (13, 1)
    assert list(module.functions) == ["first", "second"]
    assert only(module, "stablehlo.constant").operands == []


def test_quantized_element_types():
    module = read(
        """
        func.func @main(%arg0: tensor<11xf32>) -> tensor<11x!quant.uniform<i8:f32, 0.0039188104517319626:-128>> {
          %0 = stablehlo.uniform_quantize %arg0 : (tensor<11xf32>) -> tensor<11x!quant.uniform<i8:f32, 0.0039188104517319626:-128>>
          %1 = stablehlo.add %0, %0 : tensor<11x!quant.uniform<i8:f32, 0.0039188104517319626:-128>>
          return %1 : tensor<11x!quant.uniform<i8:f32, 0.0039188104517319626:-128>>
        }
        """
    )
    quantize, add = only(module, "stablehlo.uniform_quantize"), only(module, "stablehlo.add")
    assert quantize.result.type.shape == (11,)
    assert quantize.result.type.element_type == "!quant.uniform<i8:f32, 0.0039188104517319626:-128>"
    assert add.result.type == quantize.result.type
    assert add.operands == [quantize.result, quantize.result]


def test_bounded_dynamic_shapes():
    module = read(
        """
        func.func @main(%arg0: tensor<?x4xf32, #stablehlo.bounds<8, ?>>, %arg1: tensor<i32>) -> tensor<?x4xf32, #stablehlo.bounds<8, ?>> {
          %0 = stablehlo.set_dimension_size %arg0, %arg1, dim = 0 : (tensor<?x4xf32, #stablehlo.bounds<8, ?>>, tensor<i32>) -> tensor<?x4xf32, #stablehlo.bounds<8, ?>>
          return %0 : tensor<?x4xf32, #stablehlo.bounds<8, ?>>
        }
        """
    )
    size = only(module, "stablehlo.set_dimension_size")
    result_type = size.result.type
    assert result_type.shape == (None, 4) and not result_type.is_static
    assert result_type.element_type == "f32" and result_type.encoding == "#stablehlo.bounds<8, ?>"
    assert size.operands[0].type == result_type
    assert names(size.operands) == ["%arg0", "%arg1"] and size.attributes.int("dim") == 0


# -- forms that once tripped the readers -----------------------------------------------------------------------

FUNCTION_WITH_ARGUMENT = """
func.func @main({argument}) -> tensor<f32> {{
  %0 = stablehlo.abs %arg0 : tensor<f32>
  return %0 : tensor<f32>
}}
"""


@pytest.mark.parametrize(
    "argument",
    [
        pytest.param("%arg0 : tensor<f32>", id="space-before-colon"),
        pytest.param("%arg0:tensor<f32>", id="no-space-after-colon"),
    ],
)
def test_function_argument_declared_without_mlir_spacing_is_defined(argument):
    module = read_module(FUNCTION_WITH_ARGUMENT.format(argument=argument).lstrip(), "gap.mlir")
    [argument_value] = module.functions["main"].regions[0].arguments
    assert only(module, "stablehlo.abs").operands == [argument_value]
    assert module.functions["main"].operands == []


TRAILING_COMMENT = """
func.func @main(%arg0: tensor<f32>) -> tensor<f32> {{
  %0 = stablehlo.abs %arg0 : tensor<f32> {comment}
  return %0 : tensor<f32>
}}
"""


@pytest.mark.parametrize(
    "comment",
    [
        pytest.param("// see f(x", id="unbalanced-bracket"),
        pytest.param("// was %arg1", id="value-name"),
    ],
)
def test_trailing_comment_on_an_op_line_is_ignored(comment):
    text = TRAILING_COMMENT.format(comment=comment).lstrip()
    module = read_module(text, "gap.mlir")
    assert names(only(module, "stablehlo.abs").operands) == ["%arg0"]
    assert agreement(text) == []


def test_comment_after_a_region_brace():
    text = "func.func @main(%arg0: tensor<f32>) -> tensor<f32> { // body\n  return %arg0 : tensor<f32>\n}\n"
    module = read_module(text, "gap.mlir")
    [function] = module.ops
    assert len(function.regions) == 1 and function.operands == []
    assert agreement(text) == []


REDUCE_WITH_REDUCER = """
func.func @main(%arg0: tensor<15xf32>) -> tensor<f32> {
  %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %0 = stablehlo.reduce(%arg0 init: %cst) across dimensions = [0] : (tensor<15xf32>, tensor<f32>) -> tensor<f32>
   reducer(%arg1: tensor<f32>, %arg2: tensor<f32>)  {
    %1 = stablehlo.add %arg1, %arg2 : tensor<f32>
    stablehlo.return %1 : tensor<f32>
  }
  return %0 : tensor<f32>
}
"""

WHILE_LOOP = """
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<0> : tensor<i32>
  %0:2 = stablehlo.while(%iterArg = %c, %iterArg_1 = %arg0) : tensor<i32>, tensor<4xf32>
   cond {
    %1 = stablehlo.compare  LT, %iterArg, %iterArg,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    stablehlo.return %1 : tensor<i1>
  } do {
    stablehlo.return %iterArg, %iterArg_1 : tensor<i32>, tensor<4xf32>
  }
  return %0#1 : tensor<4xf32>
}
"""


@pytest.mark.parametrize(
    "text, name, expected",
    [
        pytest.param(REDUCE_WITH_REDUCER, "stablehlo.reduce", ["tensor<f32>"], id="reduce-reducer"),
        pytest.param(WHILE_LOOP, "stablehlo.while", ["tensor<i32>", "tensor<4xf32>"], id="while"),
    ],
)
def test_result_types_of_ops_whose_regions_follow_the_signature(text, name, expected):
    module = read(text)
    assert only(module, name).result_types == [tensor(type_text) for type_text in expected]


def test_manual_computation_manual_axes_attribute_ends_at_its_braces():
    module = read(
        """
        func.func @main(%arg0: tensor<16x16xf32>) -> tensor<16x16xf32> {
          %0 = sdy.manual_computation(%arg0) in_shardings=[<@mesh, [{"batch"}, {}]>] out_shardings=[<@mesh, [{"batch"}, {}]>] manual_axes={"batch"} (%arg1: tensor<4x16xf32>) {
            sdy.return %arg1 : tensor<4x16xf32>
          } : (tensor<16x16xf32>) -> tensor<16x16xf32>
          return %0 : tensor<16x16xf32>
        }
        """
    )
    assert only(module, "sdy.manual_computation").attributes.get("manual_axes") == '{"batch"}'


def test_operand_directly_followed_by_the_signature_colon():
    module = read(
        """
        func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
          %0 = stablehlo.abs %arg0: tensor<4xf32>
          return %0: tensor<4xf32>
        }
        """
    )
    abs_op = only(module, "stablehlo.abs")
    assert names(abs_op.operands) == ["%arg0"]
    assert only(module, "return").operands == [abs_op.result]


def test_attribute_broken_over_lines_inside_angle_brackets():
    module = read(
        """
        func.func @main(%arg0: tensor<4x8xf32>, %arg1: tensor<8x6xf32>) -> tensor<4x6xf32> {
          %0 = stablehlo.dot_general %arg0, %arg1, contracting_dims = [1] x [0], algorithm = #stablehlo.dot_algorithm<
              lhs_precision_type = f32, rhs_precision_type = f32, accumulation_type = f32,
              lhs_component_count = 1, rhs_component_count = 1, num_primitive_operations = 1,
              allow_imprecise_accumulation = false> : (tensor<4x8xf32>, tensor<8x6xf32>) -> tensor<4x6xf32>
          return %0 : tensor<4x6xf32>
        }
        """
    )
    dot = only(module, "stablehlo.dot_general")
    assert [op.name for op in module.walk()] == ["func.func", "stablehlo.dot_general", "return"]
    assert dot.result.type == tensor("tensor<4x6xf32>")


SCATTER_REGION = """
func.func @main(%arg0: tensor<4xf32>, %arg1: tensor<1x1xi32>, %arg2: tensor<1xf32>) -> tensor<4xf32> {{
  %0 = "stablehlo.scatter"(%arg0, %arg1, %arg2) <{{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}}> ({region}) : (tensor<4xf32>, tensor<1x1xi32>, tensor<1xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}}
"""


@pytest.mark.parametrize(
    "region",
    [
        pytest.param("{ ^bb0(%a: tensor<f32>, %b: tensor<f32>): stablehlo.return %b : tensor<f32> }", id="one-line"),
        pytest.param(
            "{\n  ^bb0(%a: tensor<f32>,\n       %b: tensor<f32>):\n    stablehlo.return %b : tensor<f32>\n  }",
            id="block-label-over-two-lines",
        ),
    ],
)
def test_scatter_region_laid_out_differently(region):
    module = read(SCATTER_REGION.format(region=region))
    scatter = only(module, "stablehlo.scatter")
    [body] = scatter.regions
    assert names(body.arguments) == ["%a", "%b"]
    assert body.ops[0].operands == [body.arguments[1]]
