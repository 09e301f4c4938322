"""Manual (shard_map) code: its body already is each device's program, so it runs per device at local shapes, and
no failure applies inside it (the sharding analysis counts nothing there as split, as lint's rules do).

Shardy: `sdy.manual_computation(%x) in_shardings=[...] out_shardings=[...] (%local) { ... sdy.return }`. GSPMD:
`custom_call @SPMDFullToShardShape` (each device takes its block, per the `@Sharding` before it), the body (usually a
call), then `custom_call @SPMDShardToFullShape` (the blocks are put back together, per its own sharding)."""

from __future__ import annotations

from hlo_fix.simulate.values import Held, block_slices


def _blocks(sim, held: Held, shape, placement) -> Held:
    """Each device's block of a value, as that device's own (local-shape) array."""
    pieces = []
    for number, device in enumerate(sim.devices):
        pieces.append(held.view(number)[block_slices(shape, placement, sim.mesh, device)])
    return Held(per_device=pieces)


def _joined(sim, held: Held, shape, placement) -> Held:
    """One global array from each device's local-shape block."""
    import numpy as np

    pieces = [held.view(number) for number in range(len(sim.devices))]
    full = np.zeros(shape, dtype=pieces[0].dtype)
    for number, device in enumerate(sim.devices):
        full[block_slices(shape, placement, sim.mesh, device)] = pieces[number]
    return Held(common=full)


def run_manual_computation(op, sim) -> list[Held]:
    from hlo_fix.sharding.shardy import parse_tensor_shardings

    meshes = sim.placements.analysis.meshes
    ins = parse_tensor_shardings(op.attributes.get("in_shardings") or "", meshes)
    outs = parse_tensor_shardings(op.attributes.get("out_shardings") or "", meshes)
    region = op.regions[0]
    for argument, operand, sharding in zip(region.arguments, op.operands, ins):
        shape = operand.type.shape
        sim.bind(argument, _blocks(sim, sim.held(operand), shape, sim.placements.of_sharding(sharding, shape)))
    returned = sim.run_block(region.ops)
    return [
        _joined(sim, held, result.type.shape, sim.placements.of_sharding(sharding, result.type.shape))
        for result, held, sharding in zip(op.results, returned, outs)
    ]


def full_to_shard(op, sim) -> list[Held]:
    operand = op.operands[0]
    shape = operand.type.shape
    return [_blocks(sim, sim.held(operand), shape, sim.placement(operand))]


def shard_to_full(op, sim) -> list[Held]:
    result = op.results[0]
    return [_joined(sim, sim.held(op.operands[0]), result.type.shape, sim.placement(result))]

