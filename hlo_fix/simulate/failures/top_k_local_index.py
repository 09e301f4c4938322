"""top-k-local-index: top_k over a split dimension returns each winner's index within its device's block.

Evidence: tt-mlir#8623 and HF007 (`jax.lax.top_k` over vocab-sharded logits): every device runs top_k on its block,
counting indices from 0, and the partial results are merged by value without the block's offset. The values are
right; an index is right only when its winner lives on the first device along that dimension.
"""

from __future__ import annotations

from hlo_fix.simulate.values import Held


class TopKLocalIndex:
    name = "top-k-local-index"

    def applies(self, op, sim) -> bool:
        if op.name != "chlo.top_k" or len(op.results) != 2 or op.operands[0].type is None:
            return False
        return bool(sim.placement(op.operands[0])[-1])

    def localize(self, op, sim, normal):
        operand = op.operands[0]
        local = operand.type.shape[-1] // sim.mesh.ways(sim.placement(operand)[-1])
        indices = normal[1].common
        return [normal[0], Held(common=(indices % local).astype(indices.dtype))]
