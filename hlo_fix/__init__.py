"""hlo-fix: lint and rewrite exported StableHLO whose gathers, scatters and iotas break once the batch is sharded.

`lint_text` and `check` are the Python API (see `hlo_fix.api`); importing hlo_fix stays cheap (no jax).
"""

from __future__ import annotations

from hlo_fix.version import __version__
__all__ = ["lint_text", "check", "HazardsFound", "__version__"]


def __getattr__(name: str):
    if name in ("lint_text", "check", "HazardsFound"):
        from hlo_fix import api

        return getattr(api, name)
    raise AttributeError(f"module 'hlo_fix' has no attribute {name!r}")
