"""scatter-own-copy: a scatter along a split dimension writes each device's own updates into its own full copy.

Evidence: the seed. The scatter's operand is indexed along the batch dimension, which cannot stay split, so every
device holds a full copy; the updates and indices stay split; each device writes its own updates into its own copy
and keeps its own block afterwards. With right (global) row indices that is exact. With local row indices
(local-iota) devices 1-3 write rows 0..15 of their own copies and keep rows that nobody wrote: the seed's
`group_mask.scatter_(1, group_idx, 1)` left 48 of 64 users with an empty mask.
"""

from __future__ import annotations

from hlo_fix.simulate.failures.index_float import may_round, rounded_indices
from hlo_fix.simulate.values import Held, assemble, block_slices


def scatter_parts(op):
    count = len(op.results)
    return op.operands[:count], op.operands[count], op.operands[count + 1 :]


def scatter_numbers(op) -> dict[str, list[int]]:
    from hlo_fix.ir.attributes import parse_ints, parse_struct

    raw = op.attributes.get("scatter_dimension_numbers") or ""
    return {key: parse_ints(value) for key, value in parse_struct(raw).items()}


class ScatterOwnCopy:
    name = "scatter-own-copy"

    def applies(self, op, sim) -> bool:
        if op.name != "stablehlo.scatter" or not op.results or op.results[0].type is None:
            return False
        return bool(self._split_axes(op, sim))

    def _split_axes(self, op, sim) -> tuple:
        """Axes that split both a scattered dim of the result and the index's scatter (batch) dims."""
        return self._kept(op, sim)[1]

    def _kept(self, op, sim) -> tuple:
        """(operand dim, axes): the scattered dim whose block each device keeps, split like the index's batch dim.

        That is a scattered dim split in the result over the index's axes, else one as long as a split batch dim of
        the index (the rows a row iota addresses), which the devices then keep block by block even where the result
        is a full copy (the copies are gathered from the kept blocks)."""
        numbers = scatter_numbers(op)
        placement = sim.placement(op.results[0])
        scattered = [d for d in numbers.get("scatter_dims_to_operand_dims", [])
                     if d not in numbers.get("input_batching_dims", [])]
        _, indices, _ = scatter_parts(op)
        index_placement = sim.placement(indices)
        vector_dim = (numbers.get("index_vector_dim") or [len(index_placement)])[0]
        index_axes = {a for d, axes in enumerate(index_placement) if d != vector_dim for a in axes}
        for d in scattered:
            if d < len(placement) and placement[d] and set(placement[d]) <= index_axes:
                return d, placement[d]
        shape = op.results[0].type.shape
        for i, axes in enumerate(index_placement):
            if axes and i != vector_dim:
                for d in scattered:
                    if d < len(shape) and shape[d] == indices.type.shape[i]:
                        return d, axes
        return None, ()

    def localize(self, op, sim, normal):
        import numpy as np

        _, indices, updates = scatter_parts(op)
        index_placement = sim.placement(indices)
        numbers = scatter_numbers(op)
        vector_dim = (numbers.get("index_vector_dim") or [len(index_placement)])[0]

        def own_rows(number, array):
            """Indices of other devices' updates moved out of bounds, so that the scatter skips them."""
            device = sim.devices[number]
            where = block_slices(array.shape, index_placement, sim.mesh, device)
            keep = np.zeros(array.shape, dtype=bool)
            keep[where] = True
            if vector_dim < array.ndim:
                keep = np.all(keep, axis=vector_dim, keepdims=True) & np.ones(array.shape, dtype=bool)
            out = array.copy()
            if may_round(op, sim.index_float):  # the flattened index is rounded too (index-float)
                out = rounded_indices(op, array, sim.index_float)
                if not np.array_equal(out[keep], array[keep]):
                    sim.evaluation.changed_by.setdefault("index-float", set()).add(id(op))
            out[~keep] = np.iinfo(array.dtype).max
            return out

        copies = sim.run_ops([op], replace={id(indices): own_rows})
        kept_dim, kept_axes = self._kept(op, sim)
        result = op.results[0]
        kept = tuple(kept_axes if d == kept_dim else () for d in range(result.type.rank))
        arrays = [held.view(number) for held in copies[:1] for number in range(len(sim.devices))]
        return [Held(common=assemble(arrays, result.type.shape, kept, sim.mesh))] + copies[1:]
