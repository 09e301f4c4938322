"""argmax-add: an argmax over a split dimension adds the devices' local indices instead of picking the winner's.

Evidence: tt-mlir#8623. The partitioner reduces each device's block (value and index, the index counting the
block's own positions), then combines the partial results with an all-reduce; for the index it used `add`, so the
result is the sum of every device's local argmax. The value half is combined right (max of the maxima). Modelled
for a two-input `reduce` (value, integer index: how `argmax`/`argmin` lower) over a split dimension.
"""

from __future__ import annotations

from hlo_fix.simulate.values import Held


def reduce_inputs(op) -> list:
    """The reduced inputs (not the init values): the pretty form lists `(input init: init)` pairs."""
    first = op.operands[0].type
    return [v for v in op.operands if v.type is not None and first is not None and v.type.shape == first.shape]


def reduced_dims(op) -> list[int]:
    found = op.attributes.ints("dimensions")
    return found or []


class ArgmaxCombine:
    name = "argmax-add"

    def applies(self, op, sim) -> bool:
        if op.name != "stablehlo.reduce" or len(op.operands) != 4 or len(op.results) != 2:
            return False
        inputs = reduce_inputs(op)
        if len(inputs) != 2 or inputs[0].type.rank == 0:
            return False
        values, indices = inputs
        if values.type is None or indices.type is None or not indices.type.is_integer:
            return False
        placement = sim.placement(values)
        return any(placement[d] for d in reduced_dims(op) if d < len(placement))

    def localize(self, op, sim, normal):
        values, indices = reduce_inputs(op)
        placement = sim.placement(values)
        split = [d for d in reduced_dims(op) if placement[d]]
        axes = tuple(dict.fromkeys(a for d in split for a in placement[d]))
        # One partial result per coordinate along the reduced axes: reduce only that block (tiled to the full
        # length, which leaves a max/min with its first index unchanged), as each such device does.
        groups: dict[tuple, dict] = {}
        for device in sim.devices:
            groups.setdefault(tuple(device[a] for a in axes), device)
        partial_indices = []
        for device in groups.values():
            def own_block(_number, array, device=device):
                return _tiled_block(array, split, placement, sim.mesh, device)

            replace = {id(values): own_block, id(indices): own_block}
            partial = sim.run_ops([op], replace=replace)
            partial_indices.append(partial[1].view(0))
        combined = partial_indices[0].copy()
        for more in partial_indices[1:]:
            combined = combined + more
        return [normal[0], Held(common=combined.astype(partial_indices[0].dtype))]


def _tiled_block(array, dims, placement, mesh, device):
    import numpy as np

    out = array
    for d in dims:
        ways = mesh.ways(placement[d])
        local = array.shape[d] // ways
        start = mesh.block(placement[d], device) * local
        block = np.take(out, np.arange(start, start + local), axis=d)
        reps = [1] * out.ndim
        reps[d] = ways
        out = np.tile(block, reps)
    return out
