"""The sharding model on its own: GSPMD and Shardy sharding strings, and `ShardingAnalysis.dim` on small
hand-written modules.

Protects what the rules stand on: which mesh axes (Shardy) or how many tiles (GSPMD) split each dimension of a
value, found from the declarations (function arguments/results, sharding constraints, `sdy.sharding_per_value`,
`@Sharding` custom calls) and carried along the dataflow the way Shardy's factor propagation does (elementwise,
broadcast_in_dim, reshape split/merge, transpose, concatenate, reduce, dot_general, gather/scatter batch dims,
calls into private functions and back, while, case); and that shard-local code (manual computations, GSPMD
shard_map bodies) counts as unsharded. Cases marked xfail(strict) are bugs these tests found; the reason says what.
"""

from __future__ import annotations

import pytest

from hlo_fix.ir.scanner import read_module
from hlo_fix.sharding.analysis import ShardingAnalysis
from hlo_fix.sharding.gspmd import parse_gspmd
from hlo_fix.sharding.shardy import parse_mesh, parse_tensor_shardings

# ----------------------------------------------------------------------------------------------------------------
# GSPMD strings


def tiles(text: str) -> list[tuple[tuple[int, ...], bool]] | None:
    """Per result: (ways per dimension, manual)."""
    parsed = parse_gspmd(text)
    return None if parsed is None else [(tuple(d.ways for d in s.dims), s.manual) for s in parsed]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("{replicated}", [((), False)]),
        ("{manual}", [((), True)]),
        ("{maximal device=3}", [((), False)]),
        ("{devices=[4,1,2]<=[8] last_tile_dim_replicate}", [((4, 1), False)]),
        ("{devices=[1,1,8]<=[8] last_tile_dim_replicate}", [((1, 1), False)]),
        ("{devices=[2,4]<=[4,2]T(1,0)}", [((2, 4), False)]),
        ("{devices=[2,2,2]<=[2,2,2]T(2,1,0)}", [((2, 2, 2), False)]),
        ("{devices=[4,1,2]0,1,2,3,4,5,6,7 last_tile_dim_replicate}", [((4, 1), False)]),
        ("{devices=[2,1,4]0,4,1,5,2,6,3,7 last_tile_dim_replicate}", [((2, 1), False)]),
        ("{devices=[8,1]0,1,2,3,4,5,6,7}", [((8, 1), False)]),
        ("{devices=[2,1,2]<=[4] last_tile_dims={manual}}", [((2, 1), True)]),
        ("{devices=[1,2,2,2]<=[8] last_tile_dims={manual, replicated}}", [((1, 2), True)]),
        ("{devices=[2,1,2]<=[4] last_tile_dims={replicated}}", [((2, 1), False)]),
        ("{{replicated}, {devices=[2,1]<=[2]}}", [((), False), ((2, 1), False)]),
        ("{{maximal device=1}, {manual}, {devices=[1,4]<=[4]}}", [((), False), ((), True), ((1, 4), False)]),
        ("  {devices=[4]<=[4]}  ", [((4,), False)]),
        ("", None),
        ("not a sharding", None),
    ],
)
def test_parse_gspmd(text, expected):
    assert tiles(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ('{devices=[2,1]<=[2] metadata={op_name="a" source_file="m.py" source_line=3}}', [((2, 1), False)]),
        ('{replicated metadata={op_name="a"}}', [((), False)]),
    ],
    ids=["tiled", "replicated"],
)
def test_parse_gspmd_ignores_metadata(text, expected):
    assert tiles(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [("{devices=[2,1]<=[2] shard_as 0}", [((2, 1), False)]), ("{devices=[1,4]<=[4] shard_like 1}", [((1, 4), False)])],
    ids=["shard_as", "shard_like"],
)
def test_parse_gspmd_ignores_shard_groups(text, expected):
    assert tiles(text) == expected


# ----------------------------------------------------------------------------------------------------------------
# Shardy strings

MESHES = {"mesh": parse_mesh("mesh", '<["batch"=4, "model"=2]>')}


def axes(text: str) -> list[list[tuple[tuple[str, ...], int, bool]]]:
    """Per tensor sharding in the text: per dimension (axes, ways, open)."""
    return [[(d.axes, d.ways, d.open) for d in s.dims] for s in parse_tensor_shardings(text, MESHES)]


def test_parse_mesh():
    assert parse_mesh("m", '<["batch"=4, "model"=2]>').axes == (("batch", 4), ("model", 2))
    assert parse_mesh("m", '<["x"=2, "y"=4], device_ids=[7, 6, 5, 4, 3, 2, 1, 0]>').axes == (("x", 2), ("y", 4))
    assert parse_mesh("m", "<[]>").axes == ()
    mesh = parse_mesh("m", '<["a"=1, "b"=8]>')
    assert mesh.size("a") == 1 and mesh.ways(("a", "b")) == 8


BATCH, MODEL, NONE = (("batch",), 4, False), (("model",), 2, False), ((), 1, False)


@pytest.mark.parametrize(
    "text,expected",
    [
        ('#sdy.sharding<@mesh, [{"batch"}, {}]>', [[BATCH, NONE]]),
        ('<@mesh, [{"batch", "model"}, {}]>', [[(("batch", "model"), 8, False), NONE]]),
        ('#sdy.sharding<@mesh, [{"batch", ?}, {?}]>', [[(("batch",), 4, True), ((), 1, True)]]),
        ('#sdy.sharding<@mesh, [{"batch"}p1, {"model"}p0]>', [[BATCH, MODEL]]),
        ('#sdy.sharding<@mesh, [{"batch":(1)2}, {"batch":(2)2}]>',
         [[(("batch:(1)2",), 2, False), (("batch:(2)2",), 2, False)]]),
        ('#sdy.sharding<@mesh, [{}, {}], replicated={"model"}>', [[NONE, NONE]]),
        ('#sdy.sharding<@mesh, [{"batch"}, {}], unreduced={"model"}>', [[BATCH, NONE]]),
        ('#sdy.sharding_per_value<[<@mesh, [{"batch"}]>, <@mesh, [{}, {"model"}]>]>', [[BATCH], [NONE, MODEL]]),
        ('#sdy.sharding<@mesh, []>', [[]]),
    ],
)
def test_parse_shardy_tensor_shardings(text, expected):
    assert axes(text) == expected


def test_parse_shardy_inline_mesh():
    assert axes('#sdy.sharding<mesh<["x"=2]>, [{"x"}, {}]>') == [[(("x",), 2, False), NONE]]


# ----------------------------------------------------------------------------------------------------------------
# ShardingAnalysis.dim on hand-written modules

SHARDY_MESH = 'sdy.mesh @mesh = <["batch"=4, "model"=2]>'
SB, SM, SONE = '{"batch"}', '{"model"}', '{"one"}'  # Shardy dimension shardings


def sdy(*dims: str) -> str:
    return f"{{sdy.sharding = #sdy.sharding<@mesh, [{', '.join(dims)}]>}}"


def gspmd(text: str) -> str:
    return f'{{mhlo.sharding = "{text}"}}'


def module(main_args: str, main_results: str, body: str, *, functions: str = "", mesh: str = SHARDY_MESH) -> str:
    return f"module @m {{\n  {mesh}\n  func.func public @main({main_args}) -> {main_results} {{\n{body}\n  }}\n" \
           f"{functions}}}\n"


class Analysed:
    """A module and its analysis; `dim("%3", 0)` or `dim("%0", 1, "f")` gives (axes, ways) of a named value."""

    def __init__(self, text: str):
        self.module = read_module(text)
        self.analysis = ShardingAnalysis(self.module)
        self.values = {}
        for function in self.module.ops_named("func.func"):
            name = function.attributes.symbol()
            for op in function.walk():
                for region in op.regions:
                    for argument in region.arguments:
                        self.values[(name, argument.name)] = argument
                for result in op.results:
                    self.values[(name, result.name)] = result

    def dim(self, value: str, dim: int, function: str = "main") -> tuple[tuple[str, ...], int]:
        found = self.analysis.dim(self.values[(function, value)], dim)
        return found.axes, found.ways


B4, M2, R = (("batch",), 4), (("model",), 2), ((), 1)


def _one_op(arg_type: str, arg_sharding: str, op: str, result_type: str) -> Analysed:
    body = f"    %0 = {op}\n    return %0 : {result_type}"
    return Analysed(module(f"%arg0: {arg_type} {arg_sharding}", result_type, body))


def test_broadcast_in_dim_maps_operand_dims_to_result_dims():
    a = _one_op("tensor<8x6xf32>", sdy('{"batch"}', '{"model"}'),
                "stablehlo.broadcast_in_dim %arg0, dims = [0, 2] : (tensor<8x6xf32>) -> tensor<8x5x6xf32>",
                "tensor<8x5x6xf32>")
    assert [a.dim("%0", d) for d in range(3)] == [B4, R, M2]


def test_broadcast_of_a_size_one_dim_does_not_carry_its_sharding():
    a = _one_op("tensor<1x6xf32>", sdy('{"batch"}', "{}"),
                "stablehlo.broadcast_in_dim %arg0, dims = [0, 1] : (tensor<1x6xf32>) -> tensor<8x6xf32>",
                "tensor<8x6xf32>")
    assert a.dim("%0", 0) == R


@pytest.mark.parametrize(
    "arg_type,arg_dims,result_type,expected",
    [
        ("tensor<32x6xf32>", ('{"batch"}', "{}"), "tensor<4x8x6xf32>", [B4, R, R]),  # split: the major part
        ("tensor<4x8x6xf32>", ('{"batch"}', "{}", "{}"), "tensor<32x6xf32>", [B4, R]),  # merge from the major dim
        ("tensor<4x8x6xf32>", ("{}", '{"batch"}', "{}"), "tensor<32x6xf32>", [R, R]),  # merge from a minor dim
        ("tensor<32x1x6xf32>", ('{"batch"}', "{}", '{"model"}'), "tensor<1x32x6x1xf32>", [R, B4, M2, R]),  # unit dims
        ("tensor<8x6xf32>", ('{"batch"}', '{"model"}'), "tensor<48xf32>", [B4]),
    ],
    ids=["split", "merge-major", "merge-minor", "unit-dims", "flatten"],
)
def test_reshape_links_dims_by_running_products(arg_type, arg_dims, result_type, expected):
    op = f"stablehlo.reshape %arg0 : ({arg_type}) -> {result_type}"
    a = _one_op(arg_type, sdy(*arg_dims), op, result_type)
    assert [a.dim("%0", d) for d in range(len(expected))] == expected


def test_reshape_carries_a_result_sharding_back_to_the_operand():
    body = (
        "    %0 = stablehlo.reshape %arg0 : (tensor<32x6xf32>) -> tensor<192xf32>\n"
        "    %1 = stablehlo.reshape %0 : (tensor<192xf32>) -> tensor<32x6xf32>\n"
        "    return %1 : tensor<32x6xf32>"
    )
    a = Analysed(module("%arg0: tensor<32x6xf32>", f"(tensor<32x6xf32> {sdy(SB, '{}')})", body))
    assert (a.dim("%arg0", 0), a.dim("%arg0", 1), a.dim("%0", 0)) == (B4, R, B4)


def test_transpose_permutes_dims():
    a = _one_op("tensor<8x4x6xf32>", sdy('{"batch"}', "{}", '{"model"}'),
                "stablehlo.transpose %arg0, dims = [2, 0, 1] : (tensor<8x4x6xf32>) -> tensor<6x8x4xf32>",
                "tensor<6x8x4xf32>")
    assert [a.dim("%0", d) for d in range(3)] == [M2, B4, R]


def test_concatenate_links_every_dim_but_the_concatenated_one():
    body = (
        "    %0 = stablehlo.concatenate %arg0, %arg1, dim = 1 : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x8xf32>\n"
        "    return %0 : tensor<8x8xf32>"
    )
    a = Analysed(module(f"%arg0: tensor<8x4xf32> {sdy(SB, SM)}, %arg1: tensor<8x4xf32>",
                        "tensor<8x8xf32>", body))
    assert (a.dim("%0", 0), a.dim("%0", 1), a.dim("%arg1", 0), a.dim("%arg1", 1)) == (B4, R, B4, R)


def test_reduce_keeps_the_sharding_of_kept_dims():
    body = (
        "    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>\n"
        "    %0 = stablehlo.reduce(%arg0 init: %cst) applies stablehlo.add across dimensions = [1] : "
        "(tensor<8x4x6xf32>, tensor<f32>) -> tensor<8x6xf32>\n"
        "    return %0 : tensor<8x6xf32>"
    )
    a = Analysed(module(f"%arg0: tensor<8x4x6xf32> {sdy(SB, SM, '{}')}", "tensor<8x6xf32>", body))
    assert (a.dim("%0", 0), a.dim("%0", 1)) == (B4, R)


ARGMAX_BODY = """\
    %0 = stablehlo.iota dim = 1 : tensor<8x16xi32>
    %cst = stablehlo.constant dense<0xFF800000> : tensor<f32>
    %c = stablehlo.constant dense<0> : tensor<i32>
    %1:2 = stablehlo.reduce(%arg0 init: %cst), (%0 init: %c) across dimensions = [1] : (tensor<8x16xf32>, tensor<8x16xi32>, tensor<f32>, tensor<i32>) -> (tensor<8xf32>, tensor<8xi32>)
     reducer(%arg1: tensor<f32>, %arg3: tensor<f32>) (%arg2: tensor<i32>, %arg4: tensor<i32>)  {
      %2 = stablehlo.compare  GT, %arg1, %arg3,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %3 = stablehlo.select %2, %arg1, %arg3 : tensor<i1>, tensor<f32>
      %4 = stablehlo.select %2, %arg2, %arg4 : tensor<i1>, tensor<i32>
      stablehlo.return %3, %4 : tensor<f32>, tensor<i32>
    }
    return %1#1 : tensor<8xi32>"""


def test_variadic_reduce_links_kept_dims_across_inputs_and_results():
    a = Analysed(module(f"%arg0: tensor<8x16xf32> {sdy(SB, '{}')}", "tensor<8xi32>", ARGMAX_BODY))
    assert (a.dim("%0", 0), a.dim("%1#1", 0), a.dim("%0", 1)) == (B4, B4, R)


def test_variadic_reduce_shares_the_reduced_dim_between_inputs():
    a = Analysed(module(f"%arg0: tensor<8x16xf32> {sdy('{}', SM)}", "tensor<8xi32>", ARGMAX_BODY))
    assert a.dim("%0", 1) == M2


DOT = "stablehlo.dot_general %arg0, %arg1, batching_dims = [0] x [0], contracting_dims = [2] x [1] : " \
      "(tensor<8x4x6xf32>, tensor<8x6x5xf32>) -> tensor<8x4x5xf32>"


def _dot(lhs: str, rhs: str) -> Analysed:
    body = f"    %0 = {DOT}\n    return %0 : tensor<8x4x5xf32>"
    return Analysed(module(f"%arg0: tensor<8x4x6xf32> {lhs}, %arg1: tensor<8x6x5xf32> {rhs}", "tensor<8x4x5xf32>",
                           body))


def test_dot_general_batch_and_lhs_free_dims():
    a = _dot(sdy('{"batch"}', '{"model"}', "{}"), sdy("{?}", "{?}", "{?}"))
    assert [a.dim("%0", d) for d in range(3)] == [B4, M2, R]
    assert a.dim("%arg1", 0) == B4  # the batch dim reaches the other side


def test_dot_general_rhs_free_dim():
    a = _dot(sdy("{?}", "{?}", "{?}"), sdy("{?}", "{?}", '{"model"}'))
    assert [a.dim("%0", d) for d in range(3)] == [R, R, M2]


def test_dot_general_contracting_dims_link_the_operands_not_the_result():
    a = _dot(sdy("{?}", "{?}", '{"model"}'), sdy("{?}", "{?}", "{?}"))
    assert a.dim("%arg1", 1) == M2
    assert [a.dim("%0", d) for d in range(3)] == [R, R, R]


GATHER = (
    '"stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<offset_dims = [2], '
    "collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 2>, indices_are_sorted = false, "
    "slice_sizes = array<i64: 1, 16>}> : (tensor<100x16xf32>, tensor<4x8x1xi32>) -> tensor<4x8x16xf32>"
)


def test_gather_index_batch_dims_are_the_result_batch_dims():
    body = f"    %0 = {GATHER}\n    return %0 : tensor<4x8x16xf32>"
    a = Analysed(module(f"%arg0: tensor<100x16xf32>, %arg1: tensor<4x8x1xi32> {sdy(SB, '{}', '{}')}",
                        "tensor<4x8x16xf32>", body))
    assert [a.dim("%0", d) for d in range(3)] == [B4, R, R]


def test_gather_operand_batching_dims_link_operand_and_index():
    gather = (
        '"stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [1], '
        "operand_batching_dims = [0], start_indices_batching_dims = [0], start_index_map = [1], "
        "index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}> : "
        "(tensor<32x64xf32>, tensor<32x6x1xi32>) -> tensor<32x6xf32>"
    )
    body = f"    %0 = {gather}\n    return %0 : tensor<32x6xf32>"
    a = Analysed(module(f"%arg0: tensor<32x64xf32> {sdy(SB, '{}')}, %arg1: tensor<32x6x1xi32>",
                        "tensor<32x6xf32>", body))
    assert (a.dim("%arg1", 0), a.dim("%0", 0), a.dim("%0", 1)) == (B4, B4, R)


SCATTER = """\
    %0 = "stablehlo.scatter"(%arg0, %arg1, %arg2) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 2>, unique_indices = false}> ({
    ^bb0(%arg3: tensor<f32>, %arg4: tensor<f32>):
      stablehlo.return %arg4 : tensor<f32>
    }) : (tensor<32x64xf32>, tensor<32x6x2xi32>, tensor<32x6xf32>) -> tensor<32x64xf32>
    return %0 : tensor<32x64xf32>"""


def test_scatter_index_batch_dims_are_the_update_scatter_dims():
    args = f"%arg0: tensor<32x64xf32>, %arg1: tensor<32x6x2xi32> {sdy(SB, '{}', '{}')}, " \
           "%arg2: tensor<32x6xf32>"
    a = Analysed(module(args, "tensor<32x64xf32>", SCATTER))
    assert (a.dim("%arg2", 0), a.dim("%arg2", 1), a.dim("%0", 0)) == (B4, R, R)


def test_scatter_operand_and_result_share_every_dim():
    args = f"%arg0: tensor<32x64xf32> {sdy(SB, SM)}, %arg1: tensor<32x6x2xi32>, " \
           "%arg2: tensor<32x6xf32>"
    a = Analysed(module(args, "tensor<32x64xf32>", SCATTER))
    assert (a.dim("%0", 0), a.dim("%0", 1), a.dim("%arg2", 0)) == (B4, M2, R)


PRIVATE_F = """\
  func.func private @f(%arg0: tensor<8x4xf32>) -> tensor<8x4xf32> {
    %0 = stablehlo.iota dim = 0 : tensor<8x4xf32>
    %1 = stablehlo.add %arg0, %0 : tensor<8x4xf32>
    return %1 : tensor<8x4xf32>
  }
"""


@pytest.mark.parametrize("call", ["call @f", "func.call @f"])
def test_call_carries_argument_shardings_into_the_callee(call):
    body = f"    %0 = {call}(%arg0) : (tensor<8x4xf32>) -> tensor<8x4xf32>\n    return %0 : tensor<8x4xf32>"
    a = Analysed(module(f"%arg0: tensor<8x4xf32> {sdy(SB, '{}')}", "tensor<8x4xf32>", body,
                        functions=PRIVATE_F))
    assert (a.dim("%0", 0, "f"), a.dim("%0", 1, "f"), a.dim("%0", 0)) == (B4, R, B4)


def test_callee_return_carries_the_call_result_sharding_back():
    callee = PRIVATE_F.replace("%1 = stablehlo.add %arg0, %0", "%1 = stablehlo.negate %0")
    body = "    %0 = call @f(%arg0) : (tensor<8x4xf32>) -> tensor<8x4xf32>\n    return %0 : tensor<8x4xf32>"
    a = Analysed(module("%arg0: tensor<8x4xf32>", f"(tensor<8x4xf32> {sdy('{}', SM)})", body,
                        functions=callee))
    assert (a.dim("%0", 1, "f"), a.dim("%0", 0, "f")) == (M2, R)


def test_quoted_function_names_are_followed():
    callee = PRIVATE_F.replace("@f(", '@"<lambda>"(')
    call = '%0 = func.call @"<lambda>"(%arg0) : (tensor<8x4xf32>) -> tensor<8x4xf32>'
    body = f"    {call}\n    return %0 : tensor<8x4xf32>"
    a = Analysed(module(f"%arg0: tensor<8x4xf32> {sdy(SB, '{}')}", "tensor<8x4xf32>", body,
                        functions=callee))
    assert a.dim("%0", 0, "<lambda>") == B4


def _while(body_value: str, main_args: str, main_results: str) -> Analysed:
    body = f"""\
    %c = stablehlo.constant dense<0> : tensor<i32>
    %0:2 = stablehlo.while(%iterArg = %arg0, %iterArg_0 = %c) : tensor<8x4xf32>, tensor<i32>
    cond {{
      %c_1 = stablehlo.constant dense<3> : tensor<i32>
      %1 = stablehlo.compare  LT, %iterArg_0, %c_1,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %1 : tensor<i1>
    }} do {{
      %1 = stablehlo.iota dim = 0 : tensor<8x4xf32>
      %2 = {body_value}
      %c_1 = stablehlo.constant dense<1> : tensor<i32>
      %3 = stablehlo.add %iterArg_0, %c_1 : tensor<i32>
      stablehlo.return %2, %3 : tensor<8x4xf32>, tensor<i32>
    }}
    return %0#0 : tensor<8x4xf32>"""
    return Analysed(module(main_args, main_results, body))


def test_while_carries_the_operand_sharding_into_the_body_and_out():
    a = _while("stablehlo.add %iterArg, %1 : tensor<8x4xf32>",
               f"%arg0: tensor<8x4xf32> {sdy(SB, '{}')}", "tensor<8x4xf32>")
    assert (a.dim("%1", 0), a.dim("%1", 1), a.dim("%0#0", 0)) == (B4, R, B4)


def test_while_result_sharding_reaches_the_body_through_the_carried_value():
    a = _while("stablehlo.add %iterArg, %1 : tensor<8x4xf32>",
               "%arg0: tensor<8x4xf32>", f"(tensor<8x4xf32> {sdy(SB, '{}')})")
    assert a.dim("%1", 0) == B4


def test_while_body_value_returned_unchanged_reaches_the_result_sharding():
    a = _while("stablehlo.negate %1 : tensor<8x4xf32>",
               "%arg0: tensor<8x4xf32>", f"(tensor<8x4xf32> {sdy(SB, '{}')})")
    assert a.dim("%1", 0) == B4


CASE_BODY = """\
    %0 = "stablehlo.case"(%arg1) ({
      %1 = stablehlo.iota dim = 0 : tensor<8x4xf32>
      stablehlo.return %1 : tensor<8x4xf32>
    }, {
      stablehlo.return %arg0 : tensor<8x4xf32>
    }) : (tensor<i32>) -> tensor<8x4xf32>
    return %0 : tensor<8x4xf32>"""
CASE_ARGS = f"%arg0: tensor<8x4xf32> {sdy(SB, '{}')}, %arg1: tensor<i32>"


def test_case_result_is_linked_to_each_branch_return():
    a = Analysed(module(CASE_ARGS, "tensor<8x4xf32>", CASE_BODY))
    assert (a.dim("%0", 0), a.dim("%0", 1)) == (B4, R)


def test_case_branch_value_gets_the_case_result_sharding():
    a = Analysed(module(CASE_ARGS, "tensor<8x4xf32>", CASE_BODY))
    assert a.dim("%1", 0) == B4


def test_answers_do_not_depend_on_query_order():
    a = Analysed(module(CASE_ARGS, "tensor<8x4xf32>", CASE_BODY))
    a.dim("%1", 0)
    assert a.dim("%0", 0) == B4


MANUAL_BODY = """\
    %0 = sdy.manual_computation(%arg0) in_shardings=[<@mesh, [{"batch"}, {}]>] out_shardings=[<@mesh, [{"batch"}, {}]>] manual_axes={"batch", "model"} (%arg1: tensor<2x4xf32>) {
      %1 = stablehlo.iota dim = 0 : tensor<2x4xf32>
      %2 = stablehlo.add %arg1, %1 : tensor<2x4xf32>
      sdy.return %2 : tensor<2x4xf32>
    } : (tensor<8x4xf32>) -> tensor<8x4xf32>
    return %0 : tensor<8x4xf32>"""


def test_manual_computation_body_counts_as_unsharded():
    a = Analysed(module(f"%arg0: tensor<8x4xf32> {sdy(SB, '{}')}", "tensor<8x4xf32>", MANUAL_BODY))
    assert (a.dim("%arg1", 0), a.dim("%1", 0), a.dim("%2", 0)) == (R, R, R)
    assert a.dim("%0", 0) == B4  # the manual computation's result is back in the global view


def test_manual_computation_without_function_shardings():
    a = Analysed(module("%arg0: tensor<8x4xf32>", "tensor<8x4xf32>", MANUAL_BODY))
    assert a.analysis.is_sharded_module  # in_shardings/out_shardings declare the batch sharding
    assert (a.dim("%1", 0), a.dim("%0", 0), a.dim("%arg0", 0)) == (R, B4, B4)


def _iota_plus(arg_sharding: str, *, constraint: str = "", results: str = "tensor<8x4xf32>") -> Analysed:
    lines = [
        "    %0 = stablehlo.iota dim = 0 : tensor<8x4xf32>",
        "    %1 = stablehlo.add %arg0, %0 : tensor<8x4xf32>",
    ]
    last = "%1"
    if constraint:
        lines.append(f"    %2 = {constraint.replace('OPERAND', '%1')}")
        last = "%2"
    lines.append(f"    return {last} : tensor<8x4xf32>")
    return Analysed(module(f"%arg0: tensor<8x4xf32> {arg_sharding}", results, "\n".join(lines)))


def test_sharding_constraint_declares_its_result():
    a = _iota_plus("", constraint='sdy.sharding_constraint OPERAND <@mesh, [{"batch"}, {}]> : tensor<8x4xf32>')
    assert (a.dim("%0", 0), a.dim("%0", 1)) == (B4, R)


def test_reshard_declares_its_result():
    a = _iota_plus(sdy('{"batch"}', "{}"), constraint='sdy.reshard OPERAND <@mesh, [{}, {"model"}]> : tensor<8x4xf32>')
    assert a.dim("%2", 1) == M2


def test_reshard_alone_makes_a_module_sharded():
    a = _iota_plus("", constraint='sdy.reshard OPERAND <@mesh, [{}, {"model"}]> : tensor<8x4xf32>')
    assert a.dim("%2", 1) == M2


def test_sharding_per_value_on_an_op():
    body = (
        "    %0 = stablehlo.iota dim = 0 {sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{\"batch\"}, {}]>]>} "
        ": tensor<8x4xf32>\n    return %0 : tensor<8x4xf32>"
    )
    a = Analysed(module("%arg0: tensor<8x4xf32>", "tensor<8x4xf32>", body))
    assert (a.dim("%0", 0), a.dim("%0", 1)) == (B4, R)


def test_open_dims_decide_nothing():
    body = (
        "    %0 = stablehlo.iota dim = 0 : tensor<8x4xf32>\n"
        "    %1 = stablehlo.add %arg0, %0 : tensor<8x4xf32>\n"
        "    %2 = stablehlo.add %1, %arg1 : tensor<8x4xf32>\n"
        "    return %2 : tensor<8x4xf32>"
    )
    args = f"%arg0: tensor<8x4xf32> {sdy('{?}', '{?}')}, %arg1: tensor<8x4xf32> {sdy(SB, '{}')}"
    assert Analysed(module(args, "tensor<8x4xf32>", body)).dim("%0", 0) == B4


def test_sub_axis_shards_a_dim():
    a = _iota_plus(sdy('{"batch":(1)2}', "{}"))
    assert a.dim("%0", 0) == (("batch:(1)2",), 2)


def test_a_size_one_mesh_axis_does_not_shard():
    mesh = 'sdy.mesh @mesh = <["one"=1, "batch"=4]>'
    body = "    %0 = stablehlo.iota dim = 0 : tensor<8x4xf32>\n    %1 = stablehlo.add %arg0, %0 : tensor<8x4xf32>\n" \
           "    return %1 : tensor<8x4xf32>"
    a = Analysed(module(f"%arg0: tensor<8x4xf32> {sdy(SONE, '{}')}", "tensor<8x4xf32>", body, mesh=mesh))
    assert a.dim("%0", 0)[1] == 1
    assert not a.analysis.is_sharded_module


def test_an_unsharded_module_answers_unsharded():
    a = _iota_plus("")
    assert not a.analysis.is_sharded_module and a.dim("%0", 0) == R


# GSPMD modules: shardings on arguments, @Sharding custom calls, shard_map bodies.

GSPMD_BATCH = "{devices=[4,1,2]<=[8] last_tile_dim_replicate}"


def test_gspmd_argument_sharding_counts_tiles():
    a = _iota_plus(gspmd("{devices=[2,4]<=[4,2]T(1,0)}"))
    assert (a.dim("%0", 0), a.dim("%0", 1)) == (((), 2), ((), 4))


def test_gspmd_explicit_device_list():
    a = _iota_plus(gspmd("{devices=[4,1,2]0,1,2,3,4,5,6,7 last_tile_dim_replicate}"))
    assert (a.dim("%0", 0), a.dim("%0", 1)) == (((), 4), R)


def test_gspmd_sharding_custom_call_declares_its_result():
    constraint = f'stablehlo.custom_call @Sharding(OPERAND) {{backend_config = "", mhlo.sharding = "{GSPMD_BATCH}"}}'
    a = _iota_plus("", constraint=constraint + " : (tensor<8x4xf32>) -> tensor<8x4xf32>")
    assert (a.dim("%0", 0), a.dim("%0", 1)) == (((), 4), R)


def test_gspmd_tuple_sharding_gives_one_per_result():
    body = (
        "    %0:2 = stablehlo.custom_call @foo(%arg0) "
        f'{{mhlo.sharding = "{{{{replicated}}, {GSPMD_BATCH}}}"}} : (tensor<8x4xf32>) -> (tensor<8x4xf32>, '
        "tensor<8x4xf32>)\n    return %0#1 : tensor<8x4xf32>"
    )
    a = Analysed(module("%arg0: tensor<8x4xf32>", "tensor<8x4xf32>", body, mesh=""))
    assert (a.dim("%0#0", 0), a.dim("%0#1", 0), a.dim("%0#1", 1)) == (R, ((), 4), R)


GSPMD_SHARD_MAP = f"""\
module @m {{
  func.func public @main(%arg0: tensor<8x4xf32> {{mhlo.sharding = "{GSPMD_BATCH}"}}) -> tensor<8x4xf32> {{
    %0 = stablehlo.custom_call @Sharding(%arg0) {{backend_config = "", mhlo.sharding = "{GSPMD_BATCH}"}} : (tensor<8x4xf32>) -> tensor<8x4xf32>
    %1 = stablehlo.custom_call @SPMDFullToShardShape(%0) {{backend_config = "", mhlo.sharding = "{{manual}}"}} : (tensor<8x4xf32>) -> tensor<2x4xf32>
    %2 = call @shmap_body(%1) : (tensor<2x4xf32>) -> tensor<2x4xf32>
    %3 = stablehlo.custom_call @Sharding(%2) {{backend_config = "", mhlo.sharding = "{{manual}}"}} : (tensor<2x4xf32>) -> tensor<2x4xf32>
    %4 = stablehlo.custom_call @SPMDShardToFullShape(%3) {{backend_config = "", mhlo.sharding = "{GSPMD_BATCH}"}} : (tensor<2x4xf32>) -> tensor<8x4xf32>
    return %4 : tensor<8x4xf32>
  }}
  func.func private @shmap_body(%arg0: tensor<2x4xf32>) -> tensor<2x4xf32> {{
    %0 = stablehlo.iota dim = 0 : tensor<2x4xf32>
    %1 = stablehlo.add %arg0, %0 : tensor<2x4xf32>
    return %1 : tensor<2x4xf32>
  }}
}}
"""


def test_gspmd_shard_map_body_counts_as_unsharded():
    a = Analysed(GSPMD_SHARD_MAP)
    assert (a.dim("%0", 0, "shmap_body"), a.dim("%1", 0, "shmap_body"), a.dim("%1", 0)) == (R, R, R)
    assert a.dim("%4", 0) == ((), 4)


def test_gspmd_argument_sharding_with_metadata():
    sharding = '{devices=[4,1]<=[4] metadata={op_name=\\22x\\22 source_file=\\22m.py\\22}}'
    a = _iota_plus(gspmd(sharding))
    assert a.dim("%0", 0) == ((), 4)
