"""Argument types come from one pass over their function's header, whichever argument is asked first, and the
answer is the same as asking each argument of a fresh module alone (a `main` of thousands of arguments on one
line is tokenized once, not once per argument)."""

from __future__ import annotations

from hlo_fix.ir.scanner import read_module

MODULE = """\
func.func public @main(%arg0: tensor<4x8xf32> {sdy.sharding = #sdy.sharding<@mesh, [{"b"}, {}]>}, %arg1: tensor<i32>,
    %arg2: tensor<2x!quant.uniform<i8:f32, 1.0>>, %arg3: !stablehlo.token loc("x"), %arg4: tensor<?x3xbf16>) -> tensor<i32> {
  %0:2 = stablehlo.while(%iterArg = %arg1, %iterArg_0 = %arg0) : tensor<i32>, tensor<4x8xf32>
    cond {
    %c = stablehlo.compare LT, %iterArg, %iterArg : (tensor<i32>, tensor<i32>) -> tensor<i1>
    stablehlo.return %c : tensor<i1>
  } do {
    stablehlo.return %iterArg, %iterArg_0 : tensor<i32>, tensor<4x8xf32>
  }
  return %0#0 : tensor<i32>
}
"""

EXPECTED = {
    "%arg0": "tensor<4x8xf32>",
    "%arg1": "tensor<i32>",
    "%arg2": "tensor<2x!quant.uniform<i8:f32, 1.0>>",
    "%arg3": "!stablehlo.token",
    "%arg4": "tensor<?x3xbf16>",
    "%iterArg": "tensor<i32>",
    "%iterArg_0": "tensor<4x8xf32>",
}


def arguments(module):
    return {a.name: a for op in module.walk() for region in op.regions for a in region.arguments}


def type_texts(module, order):
    found = arguments(module)
    for name in order:
        found[name].type  # decode
    return {name: found[name].type_text for name in EXPECTED}


def test_each_argument_alone():
    for name, text in EXPECTED.items():
        argument = arguments(read_module(MODULE, "m.mlir"))[name]
        argument.type
        assert argument.type_text == text, name


def test_first_argument_asked_fills_the_others_with_the_same_answers():
    module = read_module(MODULE, "m.mlir")
    arguments(module)["%arg2"].type
    assert {n: a.type_text for n, a in arguments(module).items() if n.startswith("%arg")} == {
        n: t for n, t in EXPECTED.items() if n.startswith("%arg")
    }
    assert type_texts(module, EXPECTED) == EXPECTED
    assert type_texts(read_module(MODULE, "m.mlir"), reversed(list(EXPECTED))) == EXPECTED
