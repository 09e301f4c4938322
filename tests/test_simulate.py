"""Each modelled failure on a tiny hand-written module; the expected per-device values are worked out by hand here
(numpy only rearranges the inputs), never by the simulator."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("jax")

from hlo_fix.simulate.api import device_outputs  # noqa: E402
from hlo_fix.simulate.failures import (  # noqa: E402
    ArgmaxCombine,
    IndexFloat,
    IntegerEmbedding,
    IotaConstant,
    LocalIota,
    NarrowingSlice,
    ScatterOwnCopy,
    TopKLocalIndex,
)

MESH = 'module @m attributes {mhlo.num_partitions = 4 : i32} {\n  sdy.mesh @mesh = <["x"=4]>\n'
SPLIT = '{sdy.sharding = #sdy.sharding<@mesh, [{"x"}]>}'
SPLIT2 = '{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}'
WHOLE = '{sdy.sharding = #sdy.sharding<@mesh, [{}]>}'


def _run(text, inputs, failures, index_float="f32"):
    devices, reference, localized = device_outputs(text, inputs, failures=failures, index_float=index_float)
    return devices, reference, localized


def test_local_iota_counts_each_devices_own_positions():
    text = MESH + f"""  func.func public @main(%arg0: tensor<8xi32> {SPLIT}) -> (tensor<8xi32> {SPLIT}) {{
    %0 = stablehlo.iota dim = 0 : tensor<8xi32>
    %1 = stablehlo.add %arg0, %0 : tensor<8xi32>
    return %1 : tensor<8xi32>
  }}
}}"""
    x = np.array([10, 20, 30, 40, 50, 60, 70, 80], dtype=np.int32)
    devices, reference, localized = _run(text, [x], [LocalIota()])
    assert [d["x"] for d in devices] == [0, 1, 2, 3]
    assert [r.tolist() for r in reference[0]] == [[10, 21], [32, 43], [54, 65], [76, 87]]
    assert [r.tolist() for r in localized[0]] == [[10, 21], [30, 41], [50, 61], [70, 81]]


def test_iota_valued_constant_is_localized_like_an_iota():
    text = MESH + f"""  func.func public @main(%arg0: tensor<8xi32> {SPLIT}) -> (tensor<8xi32> {SPLIT}) {{
    %c = stablehlo.constant dense<[0, 1, 2, 3, 4, 5, 6, 7]> : tensor<8xi32>
    %1 = stablehlo.multiply %arg0, %c : tensor<8xi32>
    return %1 : tensor<8xi32>
  }}
}}"""
    x = np.full(8, 3, dtype=np.int32)
    _, reference, localized = _run(text, [x], [IotaConstant()])
    assert [r.tolist() for r in reference[0]] == [[0, 3], [6, 9], [12, 15], [18, 21]]
    assert [r.tolist() for r in localized[0]] == [[0, 3]] * 4


def test_narrowing_slice_takes_its_start_inside_each_devices_view():
    # %arg0 carries no sharding: the slice links it to the split result, so each device holds 4 of its 16.
    text = MESH + f"""  func.func public @main(%arg0: tensor<16xf32>, %arg1: tensor<8xf32> {SPLIT}) -> (tensor<8xf32> {SPLIT}) {{
    %0 = stablehlo.slice %arg0 [0:8] : (tensor<16xf32>) -> tensor<8xf32>
    %1 = stablehlo.add %0, %arg1 : tensor<8xf32>
    return %1 : tensor<8xf32>
  }}
}}"""
    table = np.arange(16, dtype=np.float32) * 10  # 0, 10, 20, ...
    offsets = np.zeros(8, dtype=np.float32)
    _, reference, localized = _run(text, [table, offsets], [NarrowingSlice()])
    assert [r.tolist() for r in reference[0]] == [[0, 10], [20, 30], [40, 50], [60, 70]]
    # Device d holds table[4d : 4d + 4] and takes positions 0, 1 of it: 40 d and 40 d + 10.
    assert [r.tolist() for r in localized[0]] == [[0, 10], [40, 50], [80, 90], [120, 130]]


ARGMAX = MESH + f"""  func.func public @main(%arg0: tensor<8xf32> {SPLIT}) -> (tensor<i32> {{sdy.sharding = #sdy.sharding<@mesh, []>}}) {{
    %0 = stablehlo.iota dim = 0 : tensor<8xi32>
    %cst = stablehlo.constant dense<0xFF800000> : tensor<f32>
    %c = stablehlo.constant dense<0> : tensor<i32>
    %1:2 = stablehlo.reduce(%arg0 init: %cst), (%0 init: %c) across dimensions = [0] : (tensor<8xf32>, tensor<8xi32>, tensor<f32>, tensor<i32>) -> (tensor<f32>, tensor<i32>)
     reducer(%arg1: tensor<f32>, %arg3: tensor<f32>) (%arg2: tensor<i32>, %arg4: tensor<i32>)  {{
      %2 = stablehlo.compare GT, %arg1, %arg3, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %3 = stablehlo.compare NE, %arg1, %arg1, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %4 = stablehlo.or %2, %3 : tensor<i1>
      %5 = stablehlo.compare EQ, %arg1, %arg3, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %6 = stablehlo.compare LT, %arg2, %arg4, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %7 = stablehlo.and %5, %6 : tensor<i1>
      %8 = stablehlo.or %4, %7 : tensor<i1>
      %9 = stablehlo.select %4, %arg1, %arg3 : tensor<i1>, tensor<f32>
      %10 = stablehlo.select %8, %arg2, %arg4 : tensor<i1>, tensor<i32>
      stablehlo.return %9, %10 : tensor<f32>, tensor<i32>
    }}
    return %1#1 : tensor<i32>
  }}
}}"""


def test_argmax_over_a_split_dim_adds_the_local_indices():
    # blocks [5, 1] [0, 9] [2, 3] [7, 4]: local argmax 0, 1, 1, 0 -> added: 2; the true argmax is 3.
    x = np.array([5, 1, 0, 9, 2, 3, 7, 4], dtype=np.float32)
    _, reference, localized = _run(ARGMAX, [x], [LocalIota(), ArgmaxCombine()])
    assert [int(r) for r in reference[0]] == [3] * 4
    assert [int(r) for r in localized[0]] == [2] * 4


SCATTER = MESH + f"""  func.func public @main(%arg0: tensor<8x2xi32> {SPLIT2}, %arg1: tensor<8xf32> {SPLIT}) -> (tensor<8x4xf32> {SPLIT2}) {{
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %0 = stablehlo.broadcast_in_dim %cst, dims = [] : (tensor<f32>) -> tensor<8x4xf32>
    %1 = "stablehlo.scatter"(%0, %arg0, %arg1) <{{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 1>, unique_indices = false}}> ({{
    ^bb0(%arg2: tensor<f32>, %arg3: tensor<f32>):
      stablehlo.return %arg3 : tensor<f32>
    }}) : (tensor<8x4xf32>, tensor<8x2xi32>, tensor<8xf32>) -> tensor<8x4xf32>
    return %1 : tensor<8x4xf32>
  }}
}}"""


def test_scatter_writes_own_updates_into_own_copy():
    ones = np.arange(1, 9, dtype=np.float32)  # update j writes j + 1
    cols = [3, 0, 1, 2, 2, 1, 0, 3]
    global_rows = np.array([[r, c] for r, c in zip(range(8), cols)], dtype=np.int32)
    _, reference, localized = _run(SCATTER, [global_rows, ones], [ScatterOwnCopy()])
    # Right rows: every device's updates land in its own block, which it keeps: exact.
    assert all(np.array_equal(a, b) for a, b in zip(reference[0], localized[0]))
    local_rows = np.array([[r % 2, c] for r, c in zip(range(8), cols)], dtype=np.int32)
    _, reference, localized = _run(SCATTER, [local_rows, ones], [ScatterOwnCopy()])
    # Reference: rows 0 and 1 get the last write to each (row, col): row 0 cols 3,1,2,0 <- updates 1,3,5,7.
    want0 = np.zeros((2, 4), np.float32)
    want0[0, 3], want0[1, 0] = 1, 2  # device 0 writes only its own updates (rows 0, 1) into its copy
    assert localized[0][0].tolist() == want0.tolist()
    for device in (1, 2, 3):  # wrote rows 0, 1 of its own copy, keeps rows 2d, 2d + 1: nobody wrote them
        assert localized[0][device].tolist() == [[0, 0, 0, 0], [0, 0, 0, 0]]


def test_index_float_rounds_the_flattened_index():
    text = """module @m {
  func.func public @main(%arg0: tensor<4x100xf32>, %arg1: tensor<3x2xi32>) -> tensor<3xf32> {
    %0 = "stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}> : (tensor<4x100xf32>, tensor<3x2xi32>) -> tensor<3xf32>
    return %0 : tensor<3xf32>
  }
}"""
    table = np.arange(400, dtype=np.float32).reshape(4, 100)  # table[r, c] = 100 r + c
    index = np.array([[3, 57], [3, 1], [2, 59]], dtype=np.int32)
    _, reference, localized = _run(text, [table, index], [IndexFloat()], index_float="bf16")
    assert reference[0][0].tolist() == [357, 301, 259]
    # bf16 steps by 2 in [256, 512), ties to even: 357 -> 356, 301 -> 300, 259 -> 260
    assert localized[0][0].tolist() == [356, 300, 260]
    _, _, exact = _run(text, [table, index], [IndexFloat()], index_float="f32")
    assert exact[0][0].tolist() == [357, 301, 259]


def test_dynamic_slice_clamps_its_start_into_each_devices_block():
    text = MESH + f"""  func.func public @main(%arg0: tensor<16xf32> {SPLIT}, %arg1: tensor<i32>) -> (tensor<8xf32> {SPLIT}) {{
    %0 = stablehlo.dynamic_slice %arg0, %arg1, sizes = [8] : (tensor<16xf32>, tensor<i32>) -> tensor<8xf32>
    return %0 : tensor<8xf32>
  }}
}}"""
    table = np.arange(16, dtype=np.float32)
    _, reference, localized = _run(text, [table, np.int32(5)], [NarrowingSlice()])
    # Reference: rows 5..12, two per device.
    assert [r.tolist() for r in reference[0]] == [[5, 6], [7, 8], [9, 10], [11, 12]]
    # Device d holds rows 4d..4d+3; start 5 is clamped to 4 - 2 = 2 inside it: rows 4d + 2, 4d + 3.
    assert [r.tolist() for r in localized[0]] == [[2, 3], [6, 7], [10, 11], [14, 15]]


def test_top_k_over_a_split_dim_returns_block_local_indices():
    text = MESH + f"""  func.func public @main(%arg0: tensor<8xf32> {SPLIT}) -> (tensor<2xi32> {{sdy.sharding = #sdy.sharding<@mesh, [{{}}]>}}) {{
    %values, %indices = chlo.top_k(%arg0, k = 2) : tensor<8xf32> -> (tensor<2xf32>, tensor<2xi32>)
    return %indices : tensor<2xi32>
  }}
}}"""
    x = np.array([0, 1, 2, 3, 9, 5, 6, 8], dtype=np.float32)
    _, reference, localized = _run(text, [x], [TopKLocalIndex()])
    assert reference[0][0].tolist() == [4, 7]
    # 9 is position 0 of device 2's block [9, 5]; 8 is position 1 of device 3's block [6, 8].
    assert localized[0][0].tolist() == [0, 1]


def test_manual_computation_body_runs_per_device_with_its_own_positions():
    text = MESH + f"""  func.func public @main(%arg0: tensor<8xi32> {SPLIT}) -> (tensor<8xi32> {SPLIT}) {{
    %0 = sdy.manual_computation(%arg0) in_shardings=[<@mesh, [{{"x"}}]>] out_shardings=[<@mesh, [{{"x"}}]>] manual_axes={{"x"}} (%arg1: tensor<2xi32>) {{
      %1 = stablehlo.iota dim = 0 : tensor<2xi32>
      %2 = stablehlo.add %arg1, %1 : tensor<2xi32>
      sdy.return %2 : tensor<2xi32>
    }} : (tensor<8xi32>) -> tensor<8xi32>
    return %0 : tensor<8xi32>
  }}
}}"""
    x = np.array([10, 20, 30, 40, 50, 60, 70, 80], dtype=np.int32)
    _, reference, localized = _run(text, [x], None)
    # shard_map's iota is shard-local by definition: 0, 1 on every device, in the reference as well.
    assert [r.tolist() for r in reference[0]] == [[10, 21], [30, 41], [50, 61], [70, 81]]
    assert [r.tolist() for r in localized[0]] == [[10, 21], [30, 41], [50, 61], [70, 81]]


@pytest.mark.parametrize(
    "name",
    ["router_gather_scatter_shardy_f32.mlir", "router_onehot_gspmd_f32.mlir", "causal_mask_seq_sharded_shardy.mlir"],
)
def test_reference_evaluation_is_the_module_as_xla_runs_it(name):
    """The oracle: the op-by-op reference equals the whole module compiled and run by XLA CPU, bit for bit."""
    from pathlib import Path

    from hlo_fix.simulate.api import reference_outputs
    from hlo_fix.verify.dtypes import as_bits
    from hlo_fix.verify.index_bounds import infer_index_bounds
    from hlo_fix.verify.inputs import make_inputs
    from hlo_fix.verify.module import ParsedModule
    from hlo_fix.verify.xla_cpu import compile_module, run_module

    text = (Path(__file__).resolve().parents[1] / "fixtures" / name).read_text()
    parsed = ParsedModule(text, label=name)
    inputs = make_inputs(parsed.signature, 0, index_bounds=infer_index_bounds(parsed))
    compiled = compile_module(parsed.text_for_xla, partitions=1, shardy=parsed.partitioner != "gspmd", label=name)
    whole = run_module(compiled, inputs, parsed.signature.results)
    mine = reference_outputs(text, inputs)
    assert len(mine) == len(whole)
    for want, got in zip(whole, mine):
        assert want.dtype == got.dtype and np.array_equal(as_bits(want), as_bits(got))


def test_integer_table_gather_comes_back_rounded_through_bf16():
    text = """module @m {
  func.func public @main(%arg0: tensor<4xi32>, %arg1: tensor<4x1xi32>) -> tensor<4xi32> {
    %0 = "stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 1>}> : (tensor<4xi32>, tensor<4x1xi32>) -> tensor<4xi32>
    return %0 : tensor<4xi32>
  }
}"""
    table = np.array([1900, 2204, 255, 30000], dtype=np.int32)
    index = np.array([[0], [1], [2], [3]], dtype=np.int32)
    _, reference, localized = _run(text, [table, index], [IntegerEmbedding()])
    assert reference[0][0].tolist() == [1900, 2204, 255, 30000]
    # bf16 steps: 8 in [1024, 2048), 16 in [2048, 4096), 128 in [16384, 32768); ties to even.
    assert localized[0][0].tolist() == [1904, 2208, 255, 29952]


def test_dynamic_update_slice_writes_into_every_devices_block():
    text = MESH + f"""  func.func public @main(%arg0: tensor<8xf32> {SPLIT}, %arg1: tensor<1xf32>, %arg2: tensor<i32>) -> (tensor<8xf32> {SPLIT}) {{
    %0 = stablehlo.dynamic_update_slice %arg0, %arg1, %arg2 : (tensor<8xf32>, tensor<1xf32>, tensor<i32>) -> tensor<8xf32>
    return %0 : tensor<8xf32>
  }}
}}"""
    cache = np.arange(8, dtype=np.float32)
    token = np.array([99], dtype=np.float32)
    _, reference, localized = _run(text, [cache, token, np.int32(5)], [NarrowingSlice()])
    assert [r.tolist() for r in reference[0]] == [[0, 1], [2, 3], [4, 99], [6, 7]]
    # Start 5 clamped into each 2-row block is local row 1: every device writes the token there.
    assert [r.tolist() for r in localized[0]] == [[0, 99], [2, 99], [4, 99], [6, 99]]
