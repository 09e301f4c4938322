"""The failure model: one small module per way a shape-shrinking backend miscomputes a sharded program.

Each failure says which ops it concerns (`applies`, decided from the module alone, the same in both evaluations)
and what the simulated devices compute for such an op (`localize`, or None where it computes what a correct
partitioner does). `ALL` is the order they are tried in; the first that applies to an op owns it.
"""

from __future__ import annotations

from hlo_fix.simulate.failures.argmax_combine import ArgmaxCombine
from hlo_fix.simulate.failures.index_float import IndexFloat
from hlo_fix.simulate.failures.integer_embedding import IntegerEmbedding
from hlo_fix.simulate.failures.iota_constant import IotaConstant
from hlo_fix.simulate.failures.local_iota import LocalIota
from hlo_fix.simulate.failures.narrowing_slice import NarrowingSlice
from hlo_fix.simulate.failures.scatter_own_copy import ScatterOwnCopy
from hlo_fix.simulate.failures.top_k_local_index import TopKLocalIndex

ALL = (
    LocalIota(), IotaConstant(), NarrowingSlice(), ArgmaxCombine(), TopKLocalIndex(), ScatterOwnCopy(),
    IntegerEmbedding(), IndexFloat(),
)
NAMES = tuple(f.name for f in ALL)

__all__ = [
    "ALL", "NAMES", "ArgmaxCombine", "IndexFloat", "IntegerEmbedding", "IotaConstant", "LocalIota", "NarrowingSlice",
    "ScatterOwnCopy", "TopKLocalIndex",
]
