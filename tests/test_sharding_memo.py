"""Shardy sharding texts are decoded once per distinct text (`hlo_fix.sharding.shardy`), but what a text means
depends on the module's meshes: the same `<@mesh, [{"x"}, {}]>` splits a dim 2 ways on a 2-device axis and 4 ways
on a 4-device one. Two modules alike but for their mesh, linted in one process, must each get their own answer."""

from __future__ import annotations

from hlo_fix.ir.scanner import read_module
from hlo_fix.sharding.analysis import ShardingAnalysis
from hlo_fix.sharding.shardy import parse_tensor_shardings
from hlo_fix.sharding.spec import Mesh


def _module(axis_size: int) -> str:
    return f"""module @m {{
  sdy.mesh @mesh = <["x"={axis_size}]>
  func.func public @main(%arg0: tensor<8x4xf32> {{sdy.sharding = #sdy.sharding<@mesh, [{{"x"}}, {{}}]>}}) -> tensor<8x4xf32> {{
    %0 = sdy.sharding_constraint %arg0 <@mesh, [{{}}, {{"x"}}]> : tensor<8x4xf32>
    return %0 : tensor<8x4xf32>
  }}
}}
"""


def test_the_same_text_under_another_mesh_is_decoded_again():
    text = '#sdy.sharding<@mesh, [{"x"}, {}]>'
    two = parse_tensor_shardings(text, {"mesh": Mesh("mesh", (("x", 2),))})
    four = parse_tensor_shardings(text, {"mesh": Mesh("mesh", (("x", 4),))})
    assert [d.ways for d in two[0].dims] == [2, 1]
    assert [d.ways for d in four[0].dims] == [4, 1]
    # A caller may change the list it gets; the next caller still gets the decoded shardings.
    two.clear()
    assert len(parse_tensor_shardings(text, {"mesh": Mesh("mesh", (("x", 2),))})) == 1


def test_modules_alike_but_for_their_mesh_get_their_own_shardings():
    for size in (2, 4, 2):
        module = read_module(_module(size), "m.mlir")
        analysis = ShardingAnalysis(module)
        main = module.ops_named("func.func")[0]
        argument = main.regions[0].arguments[0]
        constraint = module.ops_named("sdy.sharding_constraint")[0]
        assert analysis.dim(argument, 0).ways == size
        assert analysis.dim(constraint.results[0], 1).ways == size
        assert not analysis.dim(constraint.results[0], 0).sharded
