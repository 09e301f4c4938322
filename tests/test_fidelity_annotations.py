"""Sharding annotations hide nothing: explicit-mesh exports (every value wrapped in `sdy.sharding_constraint` or
`custom_call @Sharding`), `sdy.reshard`, `optimization_barrier` and the manual round trip give the findings the
plain program gives. Ground truth for the fixtures is the auto-mesh router JAX lowers from the same model."""

from __future__ import annotations

from pathlib import Path

import pytest

from hlo_fix.ir.scanner import read_module
from hlo_fix.lint.checker import lint_module

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPLICIT = sorted(p.name for p in FIXTURES.glob("router_explicit_*.mlir"))


def findings_by_op(path: Path) -> list[tuple[str, str, str]]:
    module = read_module(path.read_text(), path.name)
    ops = {(op.line, op.column): op.name for name in ("stablehlo.gather", "stablehlo.scatter", "stablehlo.iota")
           for op in module.ops_named(name)}
    return sorted((f.code, f.severity, ops.get((f.row, f.column), "?")) for f in lint_module(module))


def test_every_explicit_variant_is_generated():
    assert len(EXPLICIT) == 16


@pytest.mark.parametrize("name", EXPLICIT)
def test_explicit_mesh_router_gets_the_auto_mesh_findings(name):
    auto = FIXTURES / name.replace("router_explicit_", "router_")
    explicit = FIXTURES / name
    assert "sharding_constraint" in explicit.read_text() or "@Sharding" in explicit.read_text()
    assert findings_by_op(explicit) == findings_by_op(auto)


@pytest.mark.parametrize("name", [n for n in EXPLICIT if "gather_scatter" in n])
def test_explicit_mesh_router_errors_at_the_gather_and_the_scatter(name):
    found = findings_by_op(FIXTURES / name)
    assert ("HF002", "error", "stablehlo.gather") in found
    assert ("HF003", "error", "stablehlo.scatter") in found


def lint(text: str):
    return [(f.code, f.severity) for f in lint_module(read_module(text, "t.mlir"))]


MESH = 'sdy.mesh @mesh = <["batch"=4]>'
ROW_SHARDED = '{sdy.sharding = #sdy.sharding<@mesh, [{"batch"}, {}]>}'


def row_gather(row_plumbing: str, data_plumbing: str = "%d = stablehlo.reshape %arg1 : (tensor<8x2xi32>) -> tensor<8x2x1xi32>") -> str:
    """A row-iota gather from an 8x16 table whose row piece `%r` (8x2x1) is built by `row_plumbing` from `%i`."""
    return f"""module {{
  {MESH}
  func.func @main(%arg0: tensor<8x16xf32> {ROW_SHARDED}, %arg1: tensor<8x2xi32> {ROW_SHARDED}) -> tensor<8x2xf32> {{
    %i = stablehlo.iota dim = 0 : tensor<8xi32>
    {row_plumbing}
    {data_plumbing}
    %x = stablehlo.concatenate %r, %d, dim = 2 : (tensor<8x2x1xi32>, tensor<8x2x1xi32>) -> tensor<8x2x2xi32>
    %g = "stablehlo.gather"(%arg0, %x) <{{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}}> : (tensor<8x16xf32>, tensor<8x2x2xi32>) -> tensor<8x2xf32>
    return %g : tensor<8x2xf32>
  }}
}}
"""


@pytest.mark.parametrize(
    "plumbing",
    [
        '%s = sdy.reshard %i <@mesh, [{}]> : tensor<8xi32>\n'
        "    %r = stablehlo.broadcast_in_dim %s, dims = [0] : (tensor<8xi32>) -> tensor<8x2x1xi32>",
        '%s = "stablehlo.custom_call"(%i) {call_target_name = "Sharding", mhlo.sharding = "{replicated}"} : '
        "(tensor<8xi32>) -> tensor<8xi32>\n"
        "    %r = stablehlo.broadcast_in_dim %s, dims = [0] : (tensor<8xi32>) -> tensor<8x2x1xi32>",
        "%b = stablehlo.broadcast_in_dim %i, dims = [0] : (tensor<8xi32>) -> tensor<8x2x1xi32>\n"
        '    %r = sdy.sharding_constraint %b <@mesh, [{"batch"}, {}, {}]> : tensor<8x2x1xi32>',
        "%s:2 = stablehlo.optimization_barrier %arg1, %i : tensor<8x2xi32>, tensor<8xi32>\n"
        "    %r = stablehlo.broadcast_in_dim %s#1, dims = [0] : (tensor<8xi32>) -> tensor<8x2x1xi32>",
        '%s = stablehlo.custom_call @SPMDFullToShardShape(%i) {mhlo.sharding = "{manual}"} : (tensor<8xi32>) -> '
        "tensor<2xi32>\n"
        '    %t = stablehlo.custom_call @SPMDShardToFullShape(%s) {mhlo.sharding = "{devices=[4]<=[4]}"} : '
        "(tensor<2xi32>) -> tensor<8xi32>\n"
        "    %r = stablehlo.broadcast_in_dim %t, dims = [0] : (tensor<8xi32>) -> tensor<8x2x1xi32>",
        '%s = stablehlo.custom_call @xla.sdy.FuncResultSharding(%i) {mhlo.frontend_attributes = {xla.sdy.sharding = '
        '"#sdy.sharding_per_value<[<@mesh, [{}]>]>"}} : (tensor<8xi32>) -> tensor<8xi32>\n'
        "    %r = stablehlo.broadcast_in_dim %s, dims = [0] : (tensor<8xi32>) -> tensor<8x2x1xi32>",
    ],
    ids=["reshard", "generic-sharding-custom-call", "constraint", "barrier", "manual-round-trip", "func-result-sharding"],
)
def test_row_iota_behind_an_annotation_is_an_error(plumbing):
    assert ("HF002", "error") in lint(row_gather(plumbing))


def test_a_shard_local_iota_made_full_is_not_a_row_iota():
    """`ShardToFull` of an iota computed per shard is not the global iota (every shard counts from 0 there)."""
    plumbing = (
        "%l = stablehlo.iota dim = 0 : tensor<2xi32>\n"
        '    %t = stablehlo.custom_call @SPMDShardToFullShape(%l) {mhlo.sharding = "{devices=[4]<=[4]}"} : '
        "(tensor<2xi32>) -> tensor<8xi32>\n"
        "    %r = stablehlo.broadcast_in_dim %t, dims = [0] : (tensor<8xi32>) -> tensor<8x2x1xi32>"
    )
    assert not any(code in ("HF002", "HF003") for code, _ in lint(row_gather(plumbing)))


def test_barrier_links_each_operand_to_its_own_result_only():
    """A replicated iota sharing a barrier with a row-sharded tensor is not sharded by it (no HF001)."""
    text = f"""module {{
  {MESH}
  func.func @main(%arg0: tensor<8x4xf32> {ROW_SHARDED}) -> (tensor<8x4xf32>, tensor<8x4xi32> {{sdy.sharding = #sdy.sharding<@mesh, [{{}}, {{}}]>}}) {{
    %i = stablehlo.iota dim = 0 : tensor<8x4xi32>
    %b:2 = stablehlo.optimization_barrier %arg0, %i : tensor<8x4xf32>, tensor<8x4xi32>
    return %b#0, %b#1 : tensor<8x4xf32>, tensor<8x4xi32>
  }}
}}
"""
    assert lint(text) == []
    sharded_result = text.replace("%b#0, %b#1 : tensor<8x4xf32>, tensor<8x4xi32>", "%b#0, %b#1 : tensor<8x4xf32>, tensor<8x4xi32>").replace(
        "tensor<8x4xi32> {sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>}", f"tensor<8x4xi32> {ROW_SHARDED}"
    )
    assert lint(sharded_result) == [("HF001", "error")]


def test_an_iota_constrained_replicated_is_already_fixed():
    """Explicit-mesh JAX constrains every `jnp.arange` replicated right away: HF001's own fix, so no HF001."""
    def module(after_iota: str, use: str) -> str:
        return f"""module {{
  {MESH}
  func.func @main(%arg0: tensor<8x4xi32> {ROW_SHARDED}) -> (tensor<8x4xi32> {ROW_SHARDED}) {{
    %i = stablehlo.iota dim = 0 : tensor<8x4xi32>
    {after_iota}
    %s = stablehlo.add {use}, %arg0 : tensor<8x4xi32>
    return %s : tensor<8x4xi32>
  }}
}}
"""
    assert lint(module("", "%i")) == [("HF001", "error")]
    assert lint(module('%r = sdy.sharding_constraint %i <@mesh, [{}, {}]> : tensor<8x4xi32>', "%r")) == []
