"""The rules hlo-fix knows, in code order (one module per rule)."""

from __future__ import annotations

from hlo_fix.rules.base import Rule


def all_rules() -> list[type[Rule]]:
    from hlo_fix.rules.hf001_sharded_iota import ShardedIota
    from hlo_fix.rules.hf002_row_iota_gather import RowIotaGather
    from hlo_fix.rules.hf003_row_iota_scatter import RowIotaScatter
    from hlo_fix.rules.hf004_flat_index_gather import FlatIndexGather
    from hlo_fix.rules.hf005_inexact_flat_index import InexactFlatIndex

    return [ShardedIota, RowIotaGather, RowIotaScatter, FlatIndexGather, InexactFlatIndex]

