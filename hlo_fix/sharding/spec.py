"""How one tensor is laid out over the devices: per dimension, the mesh axes (Shardy) or tile count (GSPMD)."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod


@dataclass(frozen=True)
class DimSharding:
    """One dimension: the axes it is split over, and into how many pieces (1: not sharded)."""

    axes: tuple[str, ...] = ()
    ways: int = 1
    # Shardy's `{?}` / `{"x", ?}`: propagation may still add axes, so an unsharded open dim decides nothing.
    open: bool = False

    @property
    def sharded(self) -> bool:
        return self.ways > 1

    def describe(self) -> str:
        return ", ".join(f'"{a}"' for a in self.axes) if self.axes else f"{self.ways} ways"


REPLICATED_DIM = DimSharding()


@dataclass(frozen=True)
class TensorSharding:
    """A tensor's sharding; `manual` marks shard-local values (inside shard_map), which count as never sharded."""

    dims: tuple[DimSharding, ...] = ()
    manual: bool = False
    # GSPMD `{replicated}` / `{maximal ...}`: every dim is replicated, whatever the rank.
    replicated: bool = False

    def dim(self, index: int) -> DimSharding:
        return self.dims[index] if 0 <= index < len(self.dims) else REPLICATED_DIM

    @property
    def sharded(self) -> bool:
        return any(d.sharded for d in self.dims)


REPLICATED = TensorSharding(replicated=True)
UNKNOWN = TensorSharding()
MANUAL = TensorSharding(manual=True)


@dataclass(frozen=True)
class Mesh:
    """`sdy.mesh @mesh = <["batch"=4, "model"=2]>`."""

    name: str
    axes: tuple[tuple[str, int], ...]

    def size(self, axis: str) -> int:
        return next((n for a, n in self.axes if a == axis), 1)

    def ways(self, axes) -> int:
        return prod(self.size(a) for a in axes)
