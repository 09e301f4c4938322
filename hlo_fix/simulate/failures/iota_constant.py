"""iota-constant: a constant holding 0, 1, 2, ... along a split dimension is an iota too, and is localized alike.

Evidence: PyTorch/XLA exports `torch.arange(B)` as an i64 constant (a list or a hex blob) rather than an iota; a
backend that shrinks shapes rebuilds each device's block from its own positions, so every device holds block 0
(the same failure as local-iota, seen in the `torchxla_*_arange_*` exports).
"""

from __future__ import annotations

from hlo_fix.simulate.failures.local_iota import local_positions, split_ways
from hlo_fix.simulate.values import Held


def iota_along(array, dim: int) -> bool:
    """Whether the array is 0, 1, 2, ... along `dim`, the same along every other dim."""
    import numpy as np

    shape = array.shape
    if shape[dim] < 2:
        return False
    view = [1] * len(shape)
    view[dim] = shape[dim]
    return bool(np.array_equal(array, np.broadcast_to(np.arange(shape[dim]).reshape(view), shape)))


class IotaConstant:
    name = "iota-constant"

    def applies(self, op, sim) -> bool:
        if op.name != "stablehlo.constant" or not op.results or op.results[0].type is None:
            return False
        if "dense<[" not in op.text and "dense<\"0x" not in op.text:
            return False  # a splat is the same in every position
        result = op.results[0]
        return any(split_ways(result, dim, sim) > 1 for dim in range(result.type.rank))

    def localize(self, op, sim, normal):
        result = op.results[0]
        array = normal[0].common
        for dim in range(array.ndim):
            ways = split_ways(result, dim, sim)
            if ways > 1 and iota_along(array, dim):
                local = array.shape[dim] // ways
                return [Held(common=local_positions(array.shape, dim, local, array.dtype))]
        return None
