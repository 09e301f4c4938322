"""Where each value lives: per dimension, the simulated mesh axes it is split over (local), or none (a full copy).

The answers come from hlo-fix's sharding analysis (`hlo_fix.sharding.analysis`), the same one lint asks: declared
shardings (Shardy or GSPMD) propagated along the dims each op links. A dimension the mesh does not divide evenly is
taken as whole (the partitioner would pad it; padding is not modelled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.simulate.mesh import Axes, SimMesh

if TYPE_CHECKING:
    from hlo_fix.ir.model import Module, Value

Placement = tuple[Axes, ...]


class Placements:
    def __init__(self, module: "Module"):
        from hlo_fix.sharding.analysis import ShardingAnalysis

        self.analysis = ShardingAnalysis(module)
        self._raw: dict[int, tuple] = {}
        self.mesh: SimMesh | None = None
        self._renamed: dict[str, str] = {}

    def raw(self, value: "Value") -> tuple:
        """Per dim, the module's own axes: Shardy names, or a synthetic `shardsN` for a GSPMD split N ways."""
        key = id(value)
        found = self._raw.get(key)
        if found is None:
            shape = value.type.shape if value.type is not None else ()
            dims = []
            for d in range(len(shape)):
                sharding = self.analysis.dim(value, d)
                if not sharding.sharded:
                    dims.append(())
                elif sharding.axes:
                    dims.append(tuple(axis.split(":")[0] for axis in sharding.axes))
                else:
                    dims.append((f"shards{sharding.ways}",))
            found = self._raw[key] = tuple(dims)
        return found

    def declared_axes(self) -> list[tuple[str, int]]:
        """The module's mesh axes (Shardy) or synthetic GSPMD axes, with their sizes."""
        axes: dict[str, int] = {}
        for mesh in self.analysis.meshes.values():
            for name, size in mesh.axes:
                axes.setdefault(name, size)
        return list(axes.items())

    def use(self, mesh: SimMesh, renamed: dict[str, str]) -> None:
        self.mesh = mesh
        self._renamed = renamed

    def of(self, value: "Value") -> Placement:
        """The value's placement on the simulated mesh."""
        shape = value.type.shape if value.type is not None else ()
        return self._on_mesh(shape, self.raw(value))

    def of_sharding(self, sharding, shape) -> Placement:
        """A declared TensorSharding (a manual computation's in/out shardings) on the simulated mesh."""
        dims = []
        for d in range(len(shape)):
            found = sharding.dim(d)
            if not found.sharded:
                dims.append(())
            elif found.axes:
                dims.append(tuple(axis.split(":")[0] for axis in found.axes))
            else:
                dims.append((f"shards{found.ways}",))
        return self._on_mesh(shape, dims)

    def _on_mesh(self, shape, raw) -> Placement:
        mesh = self.mesh
        placement = []
        for size, axes in zip(shape, raw):
            kept = tuple(self._renamed.get(a, a) for a in axes)
            kept = tuple(a for a in kept if a in mesh.names)
            if kept and size % mesh.ways(kept) == 0:
                placement.append(kept)
            else:
                placement.append(())
        return tuple(placement)
