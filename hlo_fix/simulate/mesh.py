"""The simulated devices: mesh axes, each device's coordinates, and which block of a dimension it holds.

Shardy modules name their axes (`sdy.mesh @mesh = <["batch"=4, "model"=2]>`). GSPMD strings only say how many
ways a dimension is split (`devices=[4,1,2]<=[8] last_tile_dim_replicate`), so each distinct split count becomes a
synthetic axis (`shards` when there is one, `shards4`, `shards2`, ... otherwise). Only axes that split some value are
simulated: along any other axis every device holds the same data. `--shards AXIS=N` picks the axes and may resize
them (the shapes must divide).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Sequence

from hlo_fix.simulate.errors import SimulateError

MAX_DEVICES = 256
"""Devices simulated at most (a failure's op runs once per device)."""

Axes = tuple[str, ...]
"""The mesh axes one dimension is split over, major first; () for a dimension every device holds whole."""


@dataclass(frozen=True)
class SimMesh:
    axes: tuple[tuple[str, int], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.axes)

    def size(self, axis: str) -> int:
        return dict(self.axes)[axis]

    def ways(self, axes: Axes) -> int:
        count = 1
        for axis in axes:
            count *= self.size(axis)
        return count

    @property
    def devices(self) -> list[dict[str, int]]:
        """Every device's coordinates, row-major over the axes."""
        return [dict(zip(self.names, coords)) for coords in product(*(range(size) for _, size in self.axes))]

    def block(self, axes: Axes, device: dict[str, int]) -> int:
        """Which of the `ways(axes)` blocks of a dimension split over `axes` the device holds (mixed radix)."""
        index = 0
        for axis in axes:
            index = index * self.size(axis) + device[axis]
        return index


def choose_mesh(declared: Sequence[tuple[str, int]], used: set[str], requested: Sequence[tuple[str, int]]) -> SimMesh:
    """The axes to simulate: the `requested` ones (AXIS=N) when given, else the declared axes that split a value."""
    declared_sizes = dict(declared)
    if not requested:
        return _checked(SimMesh(tuple((name, size) for name, size in declared if name in used)))
    for name, size in requested:
        if size < 1:
            raise SimulateError(f"--shards {name}={size}: a mesh axis needs at least 1 device")
        if name not in declared_sizes:
            known = ", ".join(declared_sizes) or "none"
            raise SimulateError(f"--shards {name}={size}: the module has no mesh axis {name!r} (its axes: {known})")
    return _checked(SimMesh(tuple(requested)))


def _checked(mesh: SimMesh) -> SimMesh:
    if mesh.ways(mesh.names) > MAX_DEVICES:
        shape = ", ".join(f"{name}={size}" for name, size in mesh.axes)
        raise SimulateError(f"the mesh {shape} has more than {MAX_DEVICES} devices; pick fewer with --shards AXIS=N")
    return mesh


def parse_shards(options: Sequence[str]) -> list[tuple[str, int]]:
    """`["batch=4", "model=2"]` -> [("batch", 4), ("model", 2)]."""
    found = []
    for option in options:
        name, sep, size = option.partition("=")
        if not sep or not name.strip() or not size.strip().isdigit():
            raise SimulateError(f"--shards {option}: expected AXIS=N, e.g. batch=4")
        found.append((name.strip(), int(size)))
    return found
