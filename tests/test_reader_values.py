"""Def-use links as MLIR's parser makes them, with jaxlib as the oracle of which texts are valid.

A use of a value defined nowhere in scope is an error (MLIR: "use of undeclared SSA value"), not a module whose
index math silently stops at a value without a producer. `%x` names the first result of `%x:2 = ...`, and an op's
results are visible only after the op, so its own regions may reuse their names.
"""

from __future__ import annotations

import pytest

from hlo_fix.errors import ParseError
from hlo_fix.ir.scanner import read_module
from hlo_fix.ir.strict import agreement

T = "tensor<4xf32>"
UNDEFINED = f"""module @m {{
  func.func @main(%a: {T}) -> {T} {{
    %0 = stablehlo.abs %b : {T}
    return %0 : {T}
  }}
}}
"""
APPENDED = f"""module @m {{
  func.func @main(%a: {T}) -> {T} {{
    %0 = stablehlo.abs %a : {T}
    return %0 : {T}
  }}
}}
%1 = stablehlo.abs %0 : {T}
"""
SHORTHAND = f"""func.func @main(%a: {T}) -> {T} {{
  %0:2 = "t.pair"(%a) : ({T}) -> ({T}, {T})
  %1 = stablehlo.abs %0 : {T}
  %2 = stablehlo.add %1, %0#1 : {T}
  return %2 : {T}
}}
"""
REUSED_NAME = """func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.all_reduce"(%a) ({
    ^bb0(%x: tensor<f32>, %y: tensor<f32>):
      %0 = "stablehlo.add"(%x, %y) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%0) : (tensor<f32>) -> ()
  }) {replica_groups = dense<[[0]]> : tensor<1x1xi64>} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.abs %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
"""
DECLARATION = f"func.func private @f(%a: {T}) -> {T}\n" + SHORTHAND.replace("@main", "@g")


@pytest.fixture(scope="module")
def verdict():
    pytest.importorskip("jax")
    from tests.oracle.jaxlib_verdicts import judge

    texts = [UNDEFINED, APPENDED, SHORTHAND, REUSED_NAME, DECLARATION]
    return dict(zip(texts, judge(texts)))


@pytest.mark.parametrize(("text", "line", "column", "name"), [(UNDEFINED, 3, 24, "%b"), (APPENDED, 7, 20, "%0")])
def test_a_use_of_an_undefined_value_is_an_error(verdict, text, line, column, name):
    assert verdict[text] is False
    with pytest.raises(ParseError) as caught:
        read_module(text, "values.mlir")
    assert (caught.value.line, caught.value.column) == (line, column)
    assert caught.value.message == f"use of undefined value {name}"


def _op(module, name):
    return next(op for op in module.walk() if op.name == name)


def test_a_bare_name_is_the_first_of_several_results(verdict):
    assert verdict[SHORTHAND] is True
    module = read_module(SHORTHAND)
    pair = _op(module, "t.pair")
    assert _op(module, "stablehlo.abs").operands == [pair.results[0]]
    assert _op(module, "stablehlo.add").operands[1] is pair.results[1]
    assert agreement(SHORTHAND) == []


def test_a_region_may_reuse_the_name_of_its_owners_result(verdict):
    assert verdict[REUSED_NAME] is True
    module = read_module(REUSED_NAME)
    assert _op(module, "stablehlo.abs").operands == _op(module, "stablehlo.all_reduce").results
    assert agreement(REUSED_NAME) == []


def test_a_declarations_argument_names_are_no_uses(verdict):
    assert verdict[DECLARATION] is True
    assert [op.name for op in read_module(DECLARATION).ops] == ["func.func", "func.func"]
