"""Each rewrite pattern, FileCheck style: a small module before, the exact text after.

Every rewrite must also be idempotent (a second fix changes nothing), leave no fixable finding behind, and give a
module jaxlib's MLIR parser accepts. Numerical equivalence is tests/test_fix_numerics.py's job.
"""

from __future__ import annotations

import pytest

from hlo_fix.fix.driver import fix_text
from hlo_fix.lint.checker import lint_text
from hlo_fix.lint.settings import Settings

GATHER = """\
module @gather {
  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<4x3xi32>) -> tensor<4x3xf32> {
    %0 = stablehlo.iota dim = 0 : tensor<4xi32>
    %1 = stablehlo.broadcast_in_dim %0, dims = [0] : (tensor<4xi32>) -> tensor<4x3x1xi32>
    %c = stablehlo.constant dense<0> : tensor<i32>
    %2 = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<i32>) -> tensor<4x3xi32>
    %3 = stablehlo.compare LT, %arg1, %2, SIGNED : (tensor<4x3xi32>, tensor<4x3xi32>) -> tensor<4x3xi1>
    %c_0 = stablehlo.constant dense<6> : tensor<i32>
    %4 = stablehlo.broadcast_in_dim %c_0, dims = [] : (tensor<i32>) -> tensor<4x3xi32>
    %5 = stablehlo.add %arg1, %4 : tensor<4x3xi32>
    %6 = stablehlo.select %3, %5, %arg1 : tensor<4x3xi1>, tensor<4x3xi32>
    %7 = stablehlo.reshape %6 : (tensor<4x3xi32>) -> tensor<4x3x1xi32>
    %8 = stablehlo.concatenate %1, %7, dim = 2 : (tensor<4x3x1xi32>, tensor<4x3x1xi32>) -> tensor<4x3x2xi32>
    %9 = "stablehlo.gather"(%arg0, %8) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}> : (tensor<4x6xf32>, tensor<4x3x2xi32>) -> tensor<4x3xf32>
    return %9 : tensor<4x3xf32>
  }
}
"""

# The iota and the concatenate are gone; the index normalization still feeds the one-hot, so it stays.
GATHER_KEPT = """\
module @gather {
  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<4x3xi32>) -> tensor<4x3xf32> {
    %c = stablehlo.constant dense<0> : tensor<i32>
    %2 = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<i32>) -> tensor<4x3xi32>
    %3 = stablehlo.compare LT, %arg1, %2, SIGNED : (tensor<4x3xi32>, tensor<4x3xi32>) -> tensor<4x3xi1>
    %c_0 = stablehlo.constant dense<6> : tensor<i32>
    %4 = stablehlo.broadcast_in_dim %c_0, dims = [] : (tensor<i32>) -> tensor<4x3xi32>
    %5 = stablehlo.add %arg1, %4 : tensor<4x3xi32>
    %6 = stablehlo.select %3, %5, %arg1 : tensor<4x3xi1>, tensor<4x3xi32>
"""

ONE_HOT_4x3x6 = """\
    %hf0 = stablehlo.constant dense<0> : tensor<i32>
    %hf1 = stablehlo.constant dense<5> : tensor<i32>
    %hf2 = stablehlo.clamp %hf0, %6, %hf1 : (tensor<i32>, tensor<4x3xi32>, tensor<i32>) -> tensor<4x3xi32>
    %hf3 = stablehlo.broadcast_in_dim %hf2, dims = [0, 1] : (tensor<4x3xi32>) -> tensor<4x3x6xi32>
    %hf4 = stablehlo.iota dim = 2 : tensor<4x3x6xi32>
    %hf5 = stablehlo.compare EQ, %hf3, %hf4, SIGNED : (tensor<4x3x6xi32>, tensor<4x3x6xi32>) -> tensor<4x3x6xi1>
"""

GATHER_DOT = (
    GATHER_KEPT
    + ONE_HOT_4x3x6
    + """\
    %hf6 = stablehlo.convert %hf5 : (tensor<4x3x6xi1>) -> tensor<4x3x6xf32>
    %9 = stablehlo.dot_general %arg0, %hf6, batching_dims = [0] x [0], contracting_dims = [1] x [2], precision = [HIGHEST, HIGHEST] : (tensor<4x6xf32>, tensor<4x3x6xf32>) -> tensor<4x3xf32>
    return %9 : tensor<4x3xf32>
  }
}
"""
)

GATHER_SELECT = (
    GATHER_KEPT
    + ONE_HOT_4x3x6
    + """\
    %hf6 = stablehlo.broadcast_in_dim %arg0, dims = [0, 2] : (tensor<4x6xf32>) -> tensor<4x3x6xf32>
    %hf7 = stablehlo.bitcast_convert %hf6 : (tensor<4x3x6xf32>) -> tensor<4x3x6xui32>
    %hf8 = stablehlo.constant dense<0> : tensor<ui32>
    %hf9 = stablehlo.broadcast_in_dim %hf8, dims = [] : (tensor<ui32>) -> tensor<4x3x6xui32>
    %hf10 = stablehlo.select %hf5, %hf7, %hf9 : tensor<4x3x6xi1>, tensor<4x3x6xui32>
    %hf11 = stablehlo.reduce(%hf10 init: %hf8) applies stablehlo.add across dimensions = [2] : (tensor<4x3x6xui32>, tensor<ui32>) -> tensor<4x3xui32>
    %9 = stablehlo.bitcast_convert %hf11 : (tensor<4x3xui32>) -> tensor<4x3xf32>
    return %9 : tensor<4x3xf32>
  }
}
"""
)

# PyTorch/XLA style ui32 index, laid out [K, B] (the row iota runs over index dim 1), data piece first, bf16.
GATHER_K_MAJOR = """\
module @gather_k_major {
  func.func public @main(%arg0: tensor<4x6xbf16>, %arg1: tensor<3x4xui32>) -> tensor<3x4xbf16> {
    %0 = stablehlo.iota dim = 1 : tensor<3x4xui32>
    %1 = stablehlo.reshape %0 : (tensor<3x4xui32>) -> tensor<3x4x1xui32>
    %2 = stablehlo.reshape %arg1 : (tensor<3x4xui32>) -> tensor<3x4x1xui32>
    %3 = stablehlo.concatenate %2, %1, dim = 2 : (tensor<3x4x1xui32>, tensor<3x4x1xui32>) -> tensor<3x4x2xui32>
    %4 = "stablehlo.gather"(%arg0, %3) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1], start_index_map = [1, 0], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}> : (tensor<4x6xbf16>, tensor<3x4x2xui32>) -> tensor<3x4xbf16>
    return %4 : tensor<3x4xbf16>
  }
}
"""

GATHER_K_MAJOR_FIXED = """\
module @gather_k_major {
  func.func public @main(%arg0: tensor<4x6xbf16>, %arg1: tensor<3x4xui32>) -> tensor<3x4xbf16> {
    %hf0 = stablehlo.constant dense<0> : tensor<ui32>
    %hf1 = stablehlo.constant dense<5> : tensor<ui32>
    %hf2 = stablehlo.clamp %hf0, %arg1, %hf1 : (tensor<ui32>, tensor<3x4xui32>, tensor<ui32>) -> tensor<3x4xui32>
    %hf3 = stablehlo.broadcast_in_dim %hf2, dims = [0, 1] : (tensor<3x4xui32>) -> tensor<3x4x6xui32>
    %hf4 = stablehlo.iota dim = 2 : tensor<3x4x6xui32>
    %hf5 = stablehlo.compare EQ, %hf3, %hf4, UNSIGNED : (tensor<3x4x6xui32>, tensor<3x4x6xui32>) -> tensor<3x4x6xi1>
    %hf6 = stablehlo.convert %hf5 : (tensor<3x4x6xi1>) -> tensor<3x4x6xbf16>
    %hf7 = stablehlo.dot_general %arg0, %hf6, batching_dims = [0] x [1], contracting_dims = [1] x [2], precision = [HIGHEST, HIGHEST] : (tensor<4x6xbf16>, tensor<3x4x6xbf16>) -> tensor<4x3xbf16>
    %4 = stablehlo.transpose %hf7, dims = [1, 0] : (tensor<4x3xbf16>) -> tensor<3x4xbf16>
    return %4 : tensor<3x4xbf16>
  }
}
"""

# An embedding lookup: whole rows of D = 2 gathered (offset dims); the window dim rides along dot_general.
GATHER_WINDOW = """\
module @gather_rows_of_vectors {
  func.func public @main(%arg0: tensor<4x6x2xf32>, %arg1: tensor<4x3xi32>) -> tensor<4x3x2xf32> {
    %0 = stablehlo.iota dim = 0 : tensor<4x3x1xi32>
    %1 = stablehlo.reshape %arg1 : (tensor<4x3xi32>) -> tensor<4x3x1xi32>
    %2 = stablehlo.concatenate %0, %1, dim = 2 : (tensor<4x3x1xi32>, tensor<4x3x1xi32>) -> tensor<4x3x2xi32>
    %3 = "stablehlo.gather"(%arg0, %2) <{dimension_numbers = #stablehlo.gather<offset_dims = [2], collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1, 2>}> : (tensor<4x6x2xf32>, tensor<4x3x2xi32>) -> tensor<4x3x2xf32>
    return %3 : tensor<4x3x2xf32>
  }
}
"""

GATHER_WINDOW_TAIL = """\
    %hf7 = stablehlo.dot_general %arg0, %hf6, batching_dims = [0] x [0], contracting_dims = [1] x [2], precision = [HIGHEST, HIGHEST] : (tensor<4x6x2xf32>, tensor<4x3x6xf32>) -> tensor<4x2x3xf32>
    %3 = stablehlo.transpose %hf7, dims = [0, 2, 1] : (tensor<4x2x3xf32>) -> tensor<4x3x2xf32>
    return %3 : tensor<4x3x2xf32>
"""

# PyTorch/XLA's scatter_(1, idx, 1.0): the splat update is a whole-tensor constant.
SCATTER_SET_SPLAT = """\
module @scatter_set {
  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<4x3xi64>) -> tensor<4x6xf32> {
    %cst = stablehlo.constant dense<1.000000e+00> : tensor<4x3xf32>
    %0 = stablehlo.iota dim = 0 : tensor<4xi64>
    %1 = stablehlo.broadcast_in_dim %0, dims = [0] : (tensor<4xi64>) -> tensor<4x3x1xi64>
    %2 = stablehlo.reshape %arg1 : (tensor<4x3xi64>) -> tensor<4x3x1xi64>
    %3 = stablehlo.concatenate %1, %2, dim = 2 : (tensor<4x3x1xi64>, tensor<4x3x1xi64>) -> tensor<4x3x2xi64>
    %4 = "stablehlo.scatter"(%arg0, %3, %cst) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 2>, unique_indices = false}> ({
    ^bb0(%arg2: tensor<f32>, %arg3: tensor<f32>):
      stablehlo.return %arg3 : tensor<f32>
    }) : (tensor<4x6xf32>, tensor<4x3x2xi64>, tensor<4x3xf32>) -> tensor<4x6xf32>
    return %4 : tensor<4x6xf32>
  }
}
"""

SCATTER_SET_SPLAT_FIXED = """\
module @scatter_set {
  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<4x3xi64>) -> tensor<4x6xf32> {
    %hf0 = stablehlo.broadcast_in_dim %arg1, dims = [0, 1] : (tensor<4x3xi64>) -> tensor<4x3x6xi64>
    %hf1 = stablehlo.iota dim = 2 : tensor<4x3x6xi64>
    %hf2 = stablehlo.compare EQ, %hf0, %hf1, SIGNED : (tensor<4x3x6xi64>, tensor<4x3x6xi64>) -> tensor<4x3x6xi1>
    %hf3 = stablehlo.constant dense<1.000000e+00> : tensor<f32>
    %hf4 = stablehlo.constant dense<false> : tensor<i1>
    %hf5 = stablehlo.reduce(%hf2 init: %hf4) applies stablehlo.or across dimensions = [1] : (tensor<4x3x6xi1>, tensor<i1>) -> tensor<4x6xi1>
    %hf6 = stablehlo.broadcast_in_dim %hf3, dims = [] : (tensor<f32>) -> tensor<4x6xf32>
    %4 = stablehlo.select %hf5, %hf6, %arg0 : tensor<4x6xi1>, tensor<4x6xf32>
    return %4 : tensor<4x6xf32>
  }
}
"""

# Scatter-add of updates at top_k indices (distinct per row): base + the one-hot sum of the updates.
SCATTER_ADD_TOP_K = """\
module @scatter_top_k {
  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<4x3xf32>) -> tensor<4x6xf32> {
    %values, %indices = chlo.top_k(%arg0, k = 3) : tensor<4x6xf32> -> (tensor<4x3xf32>, tensor<4x3xi32>)
    %0 = stablehlo.iota dim = 0 : tensor<4x3x1xi32>
    %1 = stablehlo.reshape %indices : (tensor<4x3xi32>) -> tensor<4x3x1xi32>
    %2 = stablehlo.concatenate %0, %1, dim = 2 : (tensor<4x3x1xi32>, tensor<4x3x1xi32>) -> tensor<4x3x2xi32>
    %3 = "stablehlo.scatter"(%arg0, %2, %arg1) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 2>, unique_indices = false}> ({
    ^bb0(%arg2: tensor<f32>, %arg3: tensor<f32>):
      %4 = stablehlo.add %arg3, %arg2 : tensor<f32>
      stablehlo.return %4 : tensor<f32>
    }) : (tensor<4x6xf32>, tensor<4x3x2xi32>, tensor<4x3xf32>) -> tensor<4x6xf32>
    return %3 : tensor<4x6xf32>
  }
}
"""

SCATTER_ADD_TOP_K_SELECT = """\
module @scatter_top_k {
  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<4x3xf32>) -> tensor<4x6xf32> {
    %values, %indices = chlo.top_k(%arg0, k = 3) : tensor<4x6xf32> -> (tensor<4x3xf32>, tensor<4x3xi32>)
    %hf0 = stablehlo.broadcast_in_dim %indices, dims = [0, 1] : (tensor<4x3xi32>) -> tensor<4x3x6xi32>
    %hf1 = stablehlo.iota dim = 2 : tensor<4x3x6xi32>
    %hf2 = stablehlo.compare EQ, %hf0, %hf1, SIGNED : (tensor<4x3x6xi32>, tensor<4x3x6xi32>) -> tensor<4x3x6xi1>
    %hf3 = stablehlo.broadcast_in_dim %arg1, dims = [0, 1] : (tensor<4x3xf32>) -> tensor<4x3x6xf32>
    %hf4 = stablehlo.bitcast_convert %hf3 : (tensor<4x3x6xf32>) -> tensor<4x3x6xui32>
    %hf5 = stablehlo.constant dense<0> : tensor<ui32>
    %hf6 = stablehlo.broadcast_in_dim %hf5, dims = [] : (tensor<ui32>) -> tensor<4x3x6xui32>
    %hf7 = stablehlo.select %hf2, %hf4, %hf6 : tensor<4x3x6xi1>, tensor<4x3x6xui32>
    %hf8 = stablehlo.reduce(%hf7 init: %hf5) applies stablehlo.add across dimensions = [1] : (tensor<4x3x6xui32>, tensor<ui32>) -> tensor<4x6xui32>
    %hf9 = stablehlo.bitcast_convert %hf8 : (tensor<4x6xui32>) -> tensor<4x6xf32>
    %hf10 = stablehlo.constant dense<false> : tensor<i1>
    %hf11 = stablehlo.reduce(%hf2 init: %hf10) applies stablehlo.or across dimensions = [1] : (tensor<4x3x6xi1>, tensor<i1>) -> tensor<4x6xi1>
    %hf12 = stablehlo.add %hf9, %arg0 : tensor<4x6xf32>
    %3 = stablehlo.select %hf11, %hf12, %arg0 : tensor<4x6xi1>, tensor<4x6xf32>
    return %3 : tensor<4x6xf32>
  }
}
"""

# Scatter-add of arbitrary (possibly repeated) indices: one index position at a time, in index order.
SCATTER_ADD = """\
module @scatter_add {
  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<4x2xi32>, %arg2: tensor<4x2xf32>) -> tensor<4x6xf32> {
    %0 = stablehlo.iota dim = 0 : tensor<4x2x1xi32>
    %1 = stablehlo.reshape %arg1 : (tensor<4x2xi32>) -> tensor<4x2x1xi32>
    %2 = stablehlo.concatenate %0, %1, dim = 2 : (tensor<4x2x1xi32>, tensor<4x2x1xi32>) -> tensor<4x2x2xi32>
    %3 = "stablehlo.scatter"(%arg0, %2, %arg2) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 2>, unique_indices = false}> ({
    ^bb0(%arg3: tensor<f32>, %arg4: tensor<f32>):
      %4 = stablehlo.add %arg3, %arg4 : tensor<f32>
      stablehlo.return %4 : tensor<f32>
    }) : (tensor<4x6xf32>, tensor<4x2x2xi32>, tensor<4x2xf32>) -> tensor<4x6xf32>
    return %3 : tensor<4x6xf32>
  }
}
"""

SCATTER_ADD_FOLDED = """\
module @scatter_add {
  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<4x2xi32>, %arg2: tensor<4x2xf32>) -> tensor<4x6xf32> {
    %hf0 = stablehlo.broadcast_in_dim %arg1, dims = [0, 1] : (tensor<4x2xi32>) -> tensor<4x2x6xi32>
    %hf1 = stablehlo.iota dim = 2 : tensor<4x2x6xi32>
    %hf2 = stablehlo.compare EQ, %hf0, %hf1, SIGNED : (tensor<4x2x6xi32>, tensor<4x2x6xi32>) -> tensor<4x2x6xi1>
    %hf3 = stablehlo.broadcast_in_dim %arg2, dims = [0, 1] : (tensor<4x2xf32>) -> tensor<4x2x6xf32>
    %hf4 = stablehlo.slice %hf2 [0:4, 0:1, 0:6] : (tensor<4x2x6xi1>) -> tensor<4x1x6xi1>
    %hf5 = stablehlo.reshape %hf4 : (tensor<4x1x6xi1>) -> tensor<4x6xi1>
    %hf6 = stablehlo.slice %hf3 [0:4, 0:1, 0:6] : (tensor<4x2x6xf32>) -> tensor<4x1x6xf32>
    %hf7 = stablehlo.reshape %hf6 : (tensor<4x1x6xf32>) -> tensor<4x6xf32>
    %hf8 = stablehlo.add %arg0, %hf7 : tensor<4x6xf32>
    %hf9 = stablehlo.select %hf5, %hf8, %arg0 : tensor<4x6xi1>, tensor<4x6xf32>
    %hf10 = stablehlo.slice %hf2 [0:4, 1:2, 0:6] : (tensor<4x2x6xi1>) -> tensor<4x1x6xi1>
    %hf11 = stablehlo.reshape %hf10 : (tensor<4x1x6xi1>) -> tensor<4x6xi1>
    %hf12 = stablehlo.slice %hf3 [0:4, 1:2, 0:6] : (tensor<4x2x6xf32>) -> tensor<4x1x6xf32>
    %hf13 = stablehlo.reshape %hf12 : (tensor<4x1x6xf32>) -> tensor<4x6xf32>
    %hf14 = stablehlo.add %hf9, %hf13 : tensor<4x6xf32>
    %3 = stablehlo.select %hf11, %hf14, %hf9 : tensor<4x6xi1>, tensor<4x6xf32>
    return %3 : tensor<4x6xf32>
  }
}
"""

# Scatter-set of per-element updates at possibly repeated indices: the last one along K wins, as in scatter.
SCATTER_SET_UPDATES = SCATTER_ADD.replace("@scatter_add", "@scatter_set_updates").replace(
    """      %4 = stablehlo.add %arg3, %arg4 : tensor<f32>
      stablehlo.return %4 : tensor<f32>""",
    "      stablehlo.return %arg4 : tensor<f32>",
)

SCATTER_SET_LAST_BODY = """\
    %hf3 = stablehlo.iota dim = 1 : tensor<4x2x6xi32>
    %hf4 = stablehlo.constant dense<-1> : tensor<i32>
    %hf5 = stablehlo.broadcast_in_dim %hf4, dims = [] : (tensor<i32>) -> tensor<4x2x6xi32>
    %hf6 = stablehlo.select %hf2, %hf3, %hf5 : tensor<4x2x6xi1>, tensor<4x2x6xi32>
    %hf7 = stablehlo.reduce(%hf6 init: %hf4) applies stablehlo.maximum across dimensions = [1] : (tensor<4x2x6xi32>, tensor<i32>) -> tensor<4x6xi32>
    %hf8 = stablehlo.broadcast_in_dim %hf7, dims = [0, 2] : (tensor<4x6xi32>) -> tensor<4x2x6xi32>
    %hf9 = stablehlo.compare EQ, %hf8, %hf3, SIGNED : (tensor<4x2x6xi32>, tensor<4x2x6xi32>) -> tensor<4x2x6xi1>
"""

FLAT = """\
module @flat {
  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<4x3xi32>) -> tensor<4x3xf32> {
    %0 = stablehlo.reshape %arg0 : (tensor<4x6xf32>) -> tensor<24xf32>
    %1 = stablehlo.iota dim = 0 : tensor<4x3xi32>
    %c = stablehlo.constant dense<6> : tensor<i32>
    %2 = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<i32>) -> tensor<4x3xi32>
    %3 = stablehlo.multiply %1, %2 : tensor<4x3xi32>
    %4 = stablehlo.add %3, %arg1 : tensor<4x3xi32>
    %5 = stablehlo.reshape %4 : (tensor<4x3xi32>) -> tensor<4x3x1xi32>
    %6 = "stablehlo.gather"(%0, %5) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1>}> : (tensor<24xf32>, tensor<4x3x1xi32>) -> tensor<4x3xf32>
    return %6 : tensor<4x3xf32>
  }
}
"""

FLAT_FIXED = """\
module @flat {
  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<4x3xi32>) -> tensor<4x3xf32> {
    %hf0 = stablehlo.constant dense<0> : tensor<i32>
    %hf1 = stablehlo.constant dense<5> : tensor<i32>
    %hf2 = stablehlo.clamp %hf0, %arg1, %hf1 : (tensor<i32>, tensor<4x3xi32>, tensor<i32>) -> tensor<4x3xi32>
    %hf3 = stablehlo.broadcast_in_dim %hf2, dims = [0, 1] : (tensor<4x3xi32>) -> tensor<4x3x6xi32>
    %hf4 = stablehlo.iota dim = 2 : tensor<4x3x6xi32>
    %hf5 = stablehlo.compare EQ, %hf3, %hf4, SIGNED : (tensor<4x3x6xi32>, tensor<4x3x6xi32>) -> tensor<4x3x6xi1>
    %hf6 = stablehlo.convert %hf5 : (tensor<4x3x6xi1>) -> tensor<4x3x6xf32>
    %6 = stablehlo.dot_general %arg0, %hf6, batching_dims = [0] x [0], contracting_dims = [1] x [2], precision = [HIGHEST, HIGHEST] : (tensor<4x6xf32>, tensor<4x3x6xf32>) -> tensor<4x3xf32>
    return %6 : tensor<4x3xf32>
  }
}
"""

IOTA_SHARDY = """\
module @positions attributes {mhlo.num_partitions = 2 : i32} {
  sdy.mesh @mesh = <["seq"=2]>
  func.func public @main(%arg0: tensor<8x4xf32> {sdy.sharding = #sdy.sharding<@mesh, [{"seq"}, {}]>}) -> tensor<8x4xf32> {
    %0 = stablehlo.iota dim = 0 : tensor<8x4xi32>
    %1 = stablehlo.convert %0 : (tensor<8x4xi32>) -> tensor<8x4xf32>
    %2 = stablehlo.add %arg0, %1 : tensor<8x4xf32>
    return %2 : tensor<8x4xf32>
  }
}
"""

IOTA_SHARDY_FIXED = IOTA_SHARDY.replace(
    "%0 = stablehlo.iota dim = 0 : tensor<8x4xi32>",
    "%0 = stablehlo.iota dim = 0 {sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{}, {}]>]>} : tensor<8x4xi32>",
)

IOTA_GSPMD = """\
module @positions attributes {mhlo.num_partitions = 2 : i32} {
  func.func public @main(%arg0: tensor<8x4xf32> {mhlo.sharding = "{devices=[2,1]<=[2]}"}) -> tensor<8x4xf32> {
    %0 = stablehlo.iota dim = 0 : tensor<8x4xi32> loc("positions")
    %1 = stablehlo.convert %0 : (tensor<8x4xi32>) -> tensor<8x4xf32>
    %2 = stablehlo.add %arg0, %1 : tensor<8x4xf32>
    return %2 : tensor<8x4xf32>
  }
}
"""

IOTA_GSPMD_FIXED = IOTA_GSPMD.replace(
    """    %0 = stablehlo.iota dim = 0 : tensor<8x4xi32> loc("positions")
""",
    """    %hf0 = stablehlo.iota dim = 0 : tensor<8x4xi32> loc("positions")
    %0 = stablehlo.custom_call @Sharding(%hf0) {mhlo.sharding = "{replicated}"} : (tensor<8x4xi32>) -> tensor<8x4xi32> loc("positions")
""",
)


def fixed(text: str, **options) -> str:
    options.setdefault("unsafe", True)
    return fix_text(text, "snippet.mlir", **options).new_text


def assert_settled(text: str, **options) -> None:
    """A second fix changes nothing, no fixable finding is left, and jaxlib's MLIR parser accepts the text."""
    again = fix_text(text, "snippet.mlir", unsafe=True, **options)
    assert again.new_text == text and not again.applied
    assert [f for f in lint_text(text, "snippet.mlir") if f.fix is not None] == []
    assert_parses(text)


def assert_parses(text: str) -> None:
    pytest.importorskip("jax")
    from jax._src.interpreters import mlir
    from jax._src.lib.mlir import ir

    ir.Module.parse(text, context=mlir.make_ir_context())


@pytest.mark.parametrize(
    "before, options, after",
    [
        pytest.param(GATHER, {}, GATHER_DOT, id="gather-dot"),
        pytest.param(GATHER, {"strategy": "select"}, GATHER_SELECT, id="gather-select"),
        pytest.param(GATHER_K_MAJOR, {}, GATHER_K_MAJOR_FIXED, id="gather-k-major-ui32-bf16"),
        pytest.param(SCATTER_SET_SPLAT, {}, SCATTER_SET_SPLAT_FIXED, id="scatter-set-splat"),
        pytest.param(SCATTER_ADD_TOP_K, {"strategy": "select"}, SCATTER_ADD_TOP_K_SELECT, id="scatter-add-top-k"),
        pytest.param(SCATTER_ADD, {}, SCATTER_ADD_FOLDED, id="scatter-add-fold"),
        pytest.param(FLAT, {}, FLAT_FIXED, id="flat-index"),
        pytest.param(IOTA_SHARDY, {}, IOTA_SHARDY_FIXED, id="iota-shardy"),
    ],
)
def test_rewrite_snapshot(before, options, after):
    result = fixed(before, **options)
    assert result == after
    assert_settled(result, **options)


def test_iota_gspmd_snapshot():
    result = fixed(IOTA_GSPMD)
    assert result == IOTA_GSPMD_FIXED
    assert_parses(result)
    assert fixed(result) == result  # the custom call is recognized: never annotated twice


def test_gather_window_dims_ride_along():
    result = fixed(GATHER_WINDOW)
    assert result.endswith(GATHER_WINDOW_TAIL + "  }\n}\n")
    assert "stablehlo.gather" not in result and "stablehlo.concatenate" not in result
    assert_settled(result)


def test_scatter_set_of_updates_keeps_the_last_duplicate():
    result = fixed(SCATTER_SET_UPDATES, strategy="select")
    assert SCATTER_SET_LAST_BODY in result
    assert_settled(result, strategy="select")


def test_unsafe_fixes_wait_for_the_flag():
    for text, strategy in ((GATHER, "dot"), (FLAT, "dot"), (FLAT, "auto")):
        result = fix_text(text, "snippet.mlir", strategy=strategy)
        assert result.new_text == text and not result.applied
        assert [f.fix.applicability for f in result.remaining if f.fix] == ["unsafe"]


def test_plain_fix_applies_the_exact_select_form_to_a_float_table():
    result = fix_text(GATHER, "snippet.mlir")
    assert result.new_text == GATHER_SELECT and [f.code for f in result.applied] == ["HF002"]


def test_unsafe_fixes_make_auto_pick_dot():
    assert fix_text(GATHER, "snippet.mlir", unsafe=True).new_text == GATHER_DOT


def test_select_strategy_makes_the_gather_fix_safe():
    result = fix_text(GATHER, "snippet.mlir", strategy="select")
    assert result.new_text == GATHER_SELECT and [f.code for f in result.applied] == ["HF002"]


def test_safe_fixes_apply_without_the_flag():
    for text, after in ((SCATTER_SET_SPLAT, SCATTER_SET_SPLAT_FIXED), (SCATTER_ADD, SCATTER_ADD_FOLDED)):
        assert fix_text(text, "snippet.mlir").new_text == after


def test_lint_marks_fixable_findings():
    [gather] = lint_text(GATHER, "snippet.mlir")
    assert gather.fix is not None and gather.fix.applicability == "safe"
    assert "select + reduce" in gather.fix.message
    [gather] = lint_text(GATHER, "snippet.mlir", Settings(unsafe_fixes=True))
    assert gather.fix is not None and gather.fix.applicability == "unsafe"
    assert "--gather-strategy select" in gather.fix.message
    [scatter] = lint_text(SCATTER_SET_SPLAT, "snippet.mlir")
    assert scatter.fix is not None and scatter.fix.applicability == "safe"


def test_new_names_skip_every_name_in_the_module():
    text = GATHER.replace("%c_0", "%hf1").replace("%7", "%hf4")
    result = fixed(text)
    new = [line.split(" = ")[0].strip() for line in result.splitlines() if line.strip().startswith("%hf")]
    assert new[:3] == ["%hf1", "%hf0", "%hf2"]  # %hf1 is the module's own; the rewrite's names go around it
    assert "%hf4 = stablehlo.reshape" not in result  # the old piece is dead
    assert len(set(new)) == len(new)
    assert_settled(result)


def test_ops_still_used_elsewhere_are_kept():
    text = GATHER.replace("return %9 : tensor<4x3xf32>", "return %9, %1 : tensor<4x3xf32>, tensor<4x3x1xi32>")
    text = text.replace("-> tensor<4x3xf32> {", "-> (tensor<4x3xf32>, tensor<4x3x1xi32>) {")
    result = fixed(text)
    assert "%0 = stablehlo.iota" in result and "%1 = stablehlo.broadcast_in_dim %0" in result
    assert "stablehlo.concatenate" not in result


def test_unsupported_gather_keeps_its_finding_without_a_fix():
    # The row iota is offset by one: not an exact row iota, so no rewrite may assume it is.
    text = GATHER.replace(
        "%8 = stablehlo.concatenate %1, %7",
        "%c_1 = stablehlo.constant dense<1> : tensor<4x3x1xi32>\n    %10 = stablehlo.add %1, %c_1 : tensor<4x3x1xi32>\n"
        "    %8 = stablehlo.concatenate %10, %7",
    )
    findings = lint_text(text, "snippet.mlir")
    assert [(f.code, f.fix) for f in findings] == [("HF002", None)]
    result = fix_text(text, "snippet.mlir", unsafe=True)
    assert result.new_text == text and [f.code for f in result.remaining] == ["HF002"]


def test_locations_follow_the_replaced_op():
    text = GATHER.replace("-> tensor<4x3xf32>\n    return", '-> tensor<4x3xf32> loc("gather")\n    return')
    result = fixed(text)
    new_lines = [line for line in result.splitlines() if line.strip().startswith(("%hf", "%9"))]
    assert new_lines and all(line.endswith('loc("gather")') for line in new_lines)
