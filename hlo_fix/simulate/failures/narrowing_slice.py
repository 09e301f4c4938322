"""narrowing-slice: a slice that narrows a split dimension takes its start as a position in each device's block.

Also `dynamic_slice`, whose runtime start is clamped into what the device holds (HF006's hazard: a window of a
batch-sharded buffer at a global offset).

Evidence: a shape-shrinking backend divides the result's dimension by the device count and applies the slice's
start and stride to what the device holds: its own block of a split operand, or the whole of a full copy (the
`positions[:S]` of a causal mask cut from a longer table). Every device then reads the first block's positions:
device 0 is right, the others read the rows device 0 should. A correct partitioner offsets each device's window.
"""

from __future__ import annotations

from hlo_fix.simulate.values import settle


class NarrowingSlice:
    name = "narrowing-slice"

    def applies(self, op, sim) -> bool:
        if op.name not in ("stablehlo.slice", "stablehlo.dynamic_slice") or not op.results or not op.operands:
            return False
        result, operand = op.results[0], op.operands[0]
        if result.type is None or operand.type is None:
            return False
        placement = sim.placement(result)
        return any(axes and result.type.shape[d] < operand.type.shape[d] for d, axes in enumerate(placement))

    def localize(self, op, sim, normal):
        import numpy as np

        result, operand = op.results[0], op.operands[0]
        dynamic = op.name == "stablehlo.dynamic_slice"
        if dynamic:
            starts, strides = None, [1] * (len(op.operands) - 1)
        else:
            starts = _ints(op, "start_indices")
            if starts is None:
                return None
            strides = _ints(op, "strides") or [1] * len(starts)
        out_shape = result.type.shape
        out_placement = sim.placement(result)
        in_placement = sim.placement(operand)
        source = sim.held(operand)
        arrays = []
        for number, device in enumerate(sim.devices):
            held = source.view(number)
            if dynamic:  # each device's own copy of the runtime start
                starts = [int(sim.held(v).view(number)) for v in op.operands[1:]]
            index = []
            for d, size in enumerate(out_shape):
                axes = out_placement[d]
                if not axes or size == operand.type.shape[d]:
                    start = min(max(starts[d], 0), operand.type.shape[d] - size) if dynamic else starts[d]
                    index.append(start + strides[d] * np.arange(size))
                    continue
                local = size // sim.mesh.ways(axes)
                block = sim.mesh.block(axes, device)
                # Positions within what the device holds: its own block of a split operand, else the whole operand.
                base = 0
                if in_placement[d]:
                    base = sim.mesh.block(in_placement[d], device) * (operand.type.shape[d] // sim.mesh.ways(in_placement[d]))
                    held_size = operand.type.shape[d] // sim.mesh.ways(in_placement[d])
                else:
                    held_size = operand.type.shape[d]
                start = min(max(starts[d], 0), held_size - local) if dynamic else starts[d]
                positions = np.minimum(start + strides[d] * np.arange(local), held_size - 1) + base
                full = np.arange(size)
                full[block * local : (block + 1) * local] = positions
                index.append(full)
            arrays.append(held[np.ix_(*index)] if index else held.copy())
        return [settle(arrays, result.type.shape, out_placement, sim.mesh)]


def _ints(op, name):
    found = op.attributes.ints(name)
    if found is None:
        # the pretty form: `stablehlo.slice %x [0:16, 2:8:2]`
        return _pretty(op, name)
    return found


def _pretty(op, name):
    text = op.own_text
    open_at = text.find("[")
    close_at = text.find("]", open_at)
    if open_at < 0 or close_at < 0:
        return None
    parts = [p.strip() for p in text[open_at + 1 : close_at].split(",") if p.strip()]
    starts, strides = [], []
    for part in parts:
        pieces = part.split(":")
        starts.append(int(pieces[0]))
        strides.append(int(pieces[2]) if len(pieces) > 2 else 1)
    return starts if name == "start_indices" else strides
