"""narrowing-slice: a slice that narrows a split dimension takes its start as a position in each device's block.

Also `dynamic_slice`, whose runtime start is clamped into what the device holds (HF006's hazard: a window of a
batch-sharded buffer at a global offset), and `dynamic_update_slice`, which each device applies to its own block at
the start clamped into that block (a KV-cache write into a sequence-sharded cache: openxla/xla#49118 drops such a
write; a backend that localizes the start writes the token into every device's block).

Evidence: a shape-shrinking backend divides the result's dimension by the device count and applies the slice's
start and stride to what the device holds: its own block of a split operand, or the whole of a full copy (the
`positions[:S]` of a causal mask cut from a longer table). Every device then reads the first block's positions:
device 0 is right, the others read the rows device 0 should. A correct partitioner offsets each device's window.
"""

from __future__ import annotations

from hlo_fix.simulate.values import block_slices, settle


class NarrowingSlice:
    name = "narrowing-slice"

    def applies(self, op, sim) -> bool:
        if op.name == "stablehlo.dynamic_update_slice":
            return _narrowing_update(op, sim)
        if op.name not in ("stablehlo.slice", "stablehlo.dynamic_slice") or not op.results or not op.operands:
            return False
        result, operand = op.results[0], op.operands[0]
        if result.type is None or operand.type is None:
            return False
        placement = sim.placement(result)
        return any(axes and result.type.shape[d] < operand.type.shape[d] for d, axes in enumerate(placement))

    def localize(self, op, sim, normal):
        import numpy as np

        if op.name == "stablehlo.dynamic_update_slice":
            return _localized_update(op, sim)
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
                    held_size = operand.type.shape[d] // sim.mesh.ways(in_placement[d])
                    base = sim.mesh.block(in_placement[d], device) * held_size
                else:
                    held_size = operand.type.shape[d]
                start = min(max(starts[d], 0), held_size - local) if dynamic else starts[d]
                positions = np.minimum(start + strides[d] * np.arange(local), held_size - 1) + base
                full = np.arange(size)
                full[block * local : (block + 1) * local] = positions
                index.append(full)
            arrays.append(held[np.ix_(*index)] if index else held.copy())
        return [settle(arrays, result.type.shape, out_placement, sim.mesh)]


def _narrowing_update(op, sim) -> bool:
    if len(op.operands) < 3 or op.operands[0].type is None or op.operands[1].type is None:
        return False
    operand, update = op.operands[0], op.operands[1]
    placement = sim.placement(operand)
    return any(axes and update.type.shape[d] < operand.type.shape[d] for d, axes in enumerate(placement))


def _localized_update(op, sim):
    """Each device writes its part of the update into its own block, at the start clamped into that block."""
    import numpy as np

    operand, update = op.operands[0], op.operands[1]
    shape = operand.type.shape
    placement, update_placement = sim.placement(operand), sim.placement(update)
    arrays = []
    for number, device in enumerate(sim.devices):
        out = np.array(sim.held(operand).view(number), copy=True)
        piece = sim.held(update).view(number)
        piece = piece[block_slices(piece.shape, update_placement, sim.mesh, device)]
        where = []
        for d, size in enumerate(shape):
            start = int(sim.held(op.operands[2 + d]).view(number))
            length = piece.shape[d]
            axes = placement[d]
            if axes and length < size:
                local = size // sim.mesh.ways(axes)
                length = min(length, local)
                begin = sim.mesh.block(axes, device) * local + min(max(start, 0), local - length)
                where.append(slice(begin, begin + length))
            else:
                begin = min(max(start, 0), size - length)
                where.append(slice(begin, begin + length))
        out[tuple(where)] = piece[tuple(slice(0, w.stop - w.start) for w in where)]
        arrays.append(out)
    return [settle(arrays, shape, sim.placement(op.results[0]), sim.mesh)]


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
