"""HF005 counts start positions, not table entries: dynamic-slice-shaped gathers and scatters, and a reshape that
only adds or drops size-1 dims, raise no false alarm, while point accesses keep their warning.

Expected largest flat indices are worked out by hand from the shapes: along a dim of size n with a slice of s,
a clamped start index takes n - s + 1 values."""

from __future__ import annotations

import pytest

from hlo_fix.ir.scanner import read_module
from hlo_fix.lint.checker import lint_module
from hlo_fix.lint.settings import Settings


def hf005(text: str, index_float: str = "bf16") -> list[str]:
    settings = Settings(select=("HF005",), index_float=index_float)
    return [f.message for f in lint_module(read_module(text, "t.mlir"), settings)]


def gather_module(table: str, index: str, result: str, numbers: str, sizes: str, plumbing: str = "") -> str:
    return f"""module {{
  func.func @main(%arg0: tensor<{table}xf32>, %arg1: tensor<{index}xi32>) -> tensor<{result}xf32> {{
    {plumbing or "%t = stablehlo.reshape %arg0 : (tensor<" + table + "xf32>) -> tensor<" + table + "xf32>"}
    %g = "stablehlo.gather"(%t, %arg1) <{{dimension_numbers = #stablehlo.gather<{numbers}>, indices_are_sorted = false, slice_sizes = array<i64: {sizes}>}}> : (tensor<{table}xf32>, tensor<{index}xi32>) -> tensor<{result}xf32>
    return %g : tensor<{result}xf32>
  }}
}}
"""


def test_point_gather_over_two_dims_still_warns():
    text = gather_module("64x160", "64x8x2", "64x8", "collapsed_slice_dims = [0, 1], start_index_map = [0, 1], "
                         "index_vector_dim = 2", "1, 1")
    (message,) = hf005(text)
    assert "reaches flat index 10239" in message  # 64 * 160 - 1


def test_dynamic_slice_shaped_gather_of_whole_rows_is_silent():
    """`vmap(lambda i: lax.dynamic_slice(x, (i, 0), (4, 24)))`: the column start is always 0."""
    text = gather_module("512x24", "16x2", "16x4x24", "offset_dims = [1, 2], start_index_map = [0, 1], "
                         "index_vector_dim = 1", "4, 24")
    assert hf005(text) == []


def test_partial_slices_count_start_positions():
    """Slices of 1 x 8 from 64 x 160: 64 row starts and 153 column starts, so 64 * 153 - 1 = 9791."""
    text = gather_module("64x160", "16x2", "16x8", "offset_dims = [1], collapsed_slice_dims = [0], "
                         "start_index_map = [0, 1], index_vector_dim = 1", "1, 8")
    (message,) = hf005(text)
    assert "reaches flat index 9791" in message
    assert hf005(text, index_float="f32") == []


def test_positions_within_the_exact_range_are_silent():
    """Slices of 60 x 150 from 64 x 160: 5 x 11 = 55 starts, far below 256."""
    text = gather_module("64x160", "16x2", "16x60x150", "offset_dims = [1, 2], start_index_map = [0, 1], "
                         "index_vector_dim = 1", "60, 150")
    assert hf005(text) == []


NO_OP_RESHAPES = (
    "%a = stablehlo.reshape %arg0 : (tensor<512x24xf32>) -> tensor<1x512x24xf32>\n"
    "    %t = stablehlo.reshape %a : (tensor<1x512x24xf32>) -> tensor<512x24xf32>"
)


def test_no_op_reshape_pair_is_not_a_flattened_table():
    """An embedding lookup from a table that went 512x24 -> 1x512x24 -> 512x24: one indexed dim, no flattening."""
    text = gather_module("512x24", "64x1", "64x24", "offset_dims = [1], collapsed_slice_dims = [0], "
                         "start_index_map = [0], index_vector_dim = 1", "1, 24", NO_OP_RESHAPES)
    assert hf005(text) == []


def test_a_reshape_that_drops_a_size_one_dim_is_not_flattening():
    plumbing = "%t = stablehlo.reshape %arg0 : (tensor<1x512xf32>) -> tensor<512xf32>"
    text = gather_module("1x512", "64x1", "64", "collapsed_slice_dims = [0], start_index_map = [0], "
                         "index_vector_dim = 1", "1", plumbing)
    text = text.replace('"stablehlo.gather"(%t, %arg1)', '"stablehlo.gather"(%t, %arg1)').replace(
        "(tensor<1x512xf32>, tensor<64x1xi32>)", "(tensor<512xf32>, tensor<64x1xi32>)"
    )
    assert hf005(text) == []


def test_a_truly_flattened_table_still_warns():
    plumbing = "%t = stablehlo.reshape %arg0 : (tensor<64x160xf32>) -> tensor<10240xf32>"
    text = gather_module("64x160", "64x1", "64", "collapsed_slice_dims = [0], start_index_map = [0], "
                         "index_vector_dim = 1", "1", plumbing)
    text = text.replace("(tensor<64x160xf32>, tensor<64x1xi32>)", "(tensor<10240xf32>, tensor<64x1xi32>)")
    (message,) = hf005(text)
    assert "flattened table reaches flat index 10239" in message


def scatter_module(updates: str, numbers: str) -> str:
    """A scatter into a 512x24 cache at (row, column) starts, updates of shape `updates`."""
    return f"""module {{
  func.func @main(%arg0: tensor<512x24xf32>, %arg1: tensor<16x2xi32>, %arg2: tensor<{updates}xf32>) -> tensor<512x24xf32> {{
    %s = "stablehlo.scatter"(%arg0, %arg1, %arg2) <{{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<{numbers}>, unique_indices = false}}> ({{
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      stablehlo.return %b : tensor<f32>
    }}) : (tensor<512x24xf32>, tensor<16x2xi32>, tensor<{updates}xf32>) -> tensor<512x24xf32>
    return %s : tensor<512x24xf32>
  }}
}}
"""


def test_dynamic_update_slice_shaped_scatter_is_silent():
    """Whole rows written at (i, 0): `cache.at[i].set(row)` batched; the column start is always 0."""
    text = scatter_module("16x24", "update_window_dims = [1], inserted_window_dims = [0], "
                          "scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 1")
    assert hf005(text) == []


@pytest.mark.parametrize("window, largest", [("16x1x8", 512 * 17 - 1), ("16x1x1", 512 * 24 - 1)])
def test_scatter_windows_count_start_positions(window, largest):
    rank3 = window.count("x") == 2
    numbers = (
        "update_window_dims = [1, 2], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 1"
        if rank3
        else ""
    )
    (message,) = hf005(scatter_module(window, numbers))
    assert f"reaches flat index {largest}" in message


def test_vmapped_dynamic_slice_from_jax_is_silent():
    """JAX's own lowering of a batched `lax.dynamic_slice` of whole rows (a gather with slice sizes (4, 24))."""
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    table = jax.ShapeDtypeStruct((512, 24), jnp.float32)
    starts = jax.ShapeDtypeStruct((16,), jnp.int32)
    fn = jax.vmap(lambda x, i: jax.lax.dynamic_slice(x, (i, 0), (4, 24)), in_axes=(None, 0))
    text = jax.jit(fn).lower(table, starts).as_text()
    assert "stablehlo.gather" in text and "array<i64: 4, 24>" in text
    assert hf005(text) == []
