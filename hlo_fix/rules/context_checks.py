"""Where an op runs: inside a manual computation (shard_map) everything is shard-local by construction."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op
    from hlo_fix.sharding.analysis import ShardingAnalysis


def in_manual_computation(op: "Op", sharding: "ShardingAnalysis", _depth: int = 0) -> bool:
    """Shardy: an `sdy.manual_computation` encloses the op. GSPMD: the op's function is only ever called with
    manual values (`custom_call @SPMDFullToShardShape` results), or from manual code."""
    if any(a.name == "sdy.manual_computation" for a in op.ancestors()):
        return True
    function = op.function
    if function is None or sharding.calls is None or _depth > 16:
        return False
    sites = sharding.calls.sites.get(function.attributes.symbol() or "", [])
    if not sites:
        return False
    return all(
        any(id(v) in sharding.manual_values for v in site.operands) or in_manual_computation(site, sharding, _depth + 1)
        for site in sites
    )
