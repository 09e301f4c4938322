"""What the simulated devices hold for one value.

A value split over mesh axes (*local*) is kept as one global-shape array: device d owns block d of each split
dimension, and an op that needs more than its block gets the others from the devices that own them (an exact
all-gather), so the assembled array is all anyone reads. A value every device holds whole (a *full copy*) is one
array when every copy is the same, or one array per device once a modelled failure made the copies differ (a
scatter into each device's own copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hlo_fix.simulate.mesh import SimMesh


@dataclass
class Held:
    common: Any = None  # the one array every device reads
    per_device: list | None = None  # full copies that differ, one per device of the simulated mesh

    def view(self, device: int) -> Any:
        return self.common if self.per_device is None else self.per_device[device]

    @property
    def uniform(self) -> bool:
        return self.per_device is None


def block_slices(shape, placement, mesh: SimMesh, device: dict[str, int]) -> tuple[slice, ...]:
    """The index of the block a device owns of a value with this placement (whole dims where not split)."""
    slices = []
    for size, axes in zip(shape, placement):
        if not axes:
            slices.append(slice(None))
            continue
        local = size // mesh.ways(axes)
        start = mesh.block(axes, device) * local
        slices.append(slice(start, start + local))
    return tuple(slices)


def assemble(arrays: list, shape, placement, mesh: SimMesh) -> Any:
    """One global array from what each device holds: its own block of every split dimension."""
    import numpy as np

    out = np.array(arrays[0], copy=True)
    for number, device in enumerate(mesh.devices):
        where = block_slices(shape, placement, mesh, device)
        out[where] = arrays[number][where]
    return out


def settle(arrays: list, shape, placement, mesh: SimMesh) -> Held:
    """Held for per-device results: assembled when split, one array when all copies agree, else per device."""
    import numpy as np

    if any(placement):
        return Held(common=assemble(arrays, shape, placement, mesh))
    first = arrays[0]
    if all(np.array_equal(first, other, equal_nan=_nan_ok(first)) for other in arrays[1:]):
        return Held(common=first)
    return Held(per_device=list(arrays))


def _nan_ok(array) -> bool:
    import numpy as np

    return np.issubdtype(array.dtype, np.inexact)
