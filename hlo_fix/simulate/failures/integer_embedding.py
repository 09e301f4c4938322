"""integer-embedding: a gather from an integer table comes back rounded through bf16.

Evidence: tt-mlir's `StableHLOGatherToEmbeddingPattern` lowers a gather to an embedding whose kernel takes bf16
weights, so an integer table is cast to bf16 and back: 1900 came back as 1904 (tt-metal#44735; Qwen 3.5's vision
encoder then failed in `split_with_sizes`, tt-xla#4699; Qwen 2.5-VL 2204 -> 2208, tt-xla#4981). This is HF008's
table case. 8-bit and boolean tables are exact in bf16 and left alone; so is a table of values within +-256.
The embedding's float is bf16 whatever `--index-float` says (it is the kernel's weight type, not index math).
"""

from __future__ import annotations

from hlo_fix.simulate.values import Held

EMBEDDING_FLOAT = "bf16"
_WIDE_INTEGERS = frozenset({"i16", "i32", "i64", "ui16", "ui32", "ui64"})


def integer_table(op) -> bool:
    if op.name != "stablehlo.gather" or not op.operands or op.operands[0].type is None:
        return False
    return op.operands[0].type.element_type in _WIDE_INTEGERS


class IntegerEmbedding:
    name = "integer-embedding"

    def applies(self, op, sim) -> bool:
        return integer_table(op)

    def localize(self, op, sim, normal):
        from hlo_fix.simulate.failures.index_float import IndexFloat, may_round, round_through

        if may_round(op, sim.index_float):  # a multi-dim index is flattened in floats as well
            normal = IndexFloat().localize(op, sim, normal)
            sim.evaluation.changed_by.setdefault(IndexFloat.name, set()).add(id(op))
        held = normal[0]
        dtype = held.view(0).dtype

        def rounded(array):
            return round_through(array, EMBEDDING_FLOAT).astype(dtype)

        if held.uniform:
            return [Held(common=rounded(held.common))]
        return [Held(per_device=[rounded(array) for array in held.per_device])]
