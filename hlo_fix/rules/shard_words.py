"""How HF006 and HF009 name a sharded dim in a message: the mesh axes (Shardy) or the split (GSPMD has no axis
names), the number of shards and each shard's extent."""

from __future__ import annotations

from hlo_fix.rules.row_iota import describe_sharding
from hlo_fix.sharding.spec import DimSharding


def shards_of(dim: DimSharding, size: int) -> str:
    """`sharded over "model" (2 ways, 48 per shard)` / `split 2 ways (48 per shard)`."""
    parts = [f"{dim.ways} ways"] if dim.axes else []
    if size % dim.ways == 0:
        parts.append(f"{size // dim.ways} per shard")
    return f"{describe_sharding(dim)} ({', '.join(parts)})" if parts else describe_sharding(dim)
