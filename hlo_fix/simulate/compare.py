"""Reference against localized, per device: PCC, max abs error, differing elements; and the first op that differs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlo_fix.simulate.values import Held, block_slices

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value


@dataclass
class ShardTally:
    """One device's piece of one output, summed over the seeds."""

    reference: list
    localized: list

    def add(self, reference, localized) -> None:
        self.reference.append(reference.reshape(-1))
        self.localized.append(localized.reshape(-1))

    def numbers(self) -> tuple[float, float, int]:
        """(PCC, max abs error, differing elements); an exact match is PCC 1.0 whatever the values."""
        import numpy as np

        from hlo_fix.verify.dtypes import as_bits

        want = np.concatenate(self.reference)
        got = np.concatenate(self.localized)
        differs = as_bits(want) != as_bits(got)
        if np.iscomplexobj(want):
            differs = differs.any(axis=-1)
        mismatches = int(np.count_nonzero(differs))
        if mismatches == 0:
            return 1.0, 0.0, 0
        wide_want = want.astype(np.complex128 if np.iscomplexobj(want) else np.float64)
        wide_got = got.astype(wide_want.dtype)
        error = np.abs(wide_want - wide_got)
        max_error = float(np.nanmax(error)) if np.any(np.isfinite(error)) else float("inf")
        return _pcc(wide_want.real, wide_got.real), max_error, mismatches


def _pcc(a, b) -> float:
    import numpy as np

    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if a.size < 2:
        return 0.0
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    if denominator == 0.0:
        return 1.0 if np.array_equal(a, b) else 0.0
    return float((a * b).sum() / denominator)


def device_piece(held: Held, shape, placement, mesh, number: int):
    """What device `number` holds of a value: its block of each split dim (of its own copy, for full copies)."""
    array = held.view(number)
    return array[block_slices(shape, placement, mesh, mesh.devices[number])]


def differs_on_some_device(reference: Held, localized: Held, value: "Value", placements, mesh) -> bool:
    import numpy as np

    from hlo_fix.verify.dtypes import as_bits

    shape, placement = value.type.shape, placements.of(value)
    if reference.uniform and localized.uniform:
        return not np.array_equal(as_bits(reference.common), as_bits(localized.common))
    for number in range(len(mesh.devices)):
        want = device_piece(reference, shape, placement, mesh, number)
        got = device_piece(localized, shape, placement, mesh, number)
        if not np.array_equal(as_bits(want), as_bits(got)):
            return True
    return False


def index_only_values(module) -> set[int]:
    """Ids of values used only as indices (of gathers, scatters, dynamic slices, argmax reduces, sort payloads),
    directly or through other index-only values.

    A wrong position is blamed on the op that indexes with it (the gather, the scatter: what lint flags and what to
    fix), not on the iota, broadcast and concatenate that built the index."""
    found: set[int] = set()
    for op in reversed(list(module.walk())):
        for value in op.results:
            if value.users and all(_index_use(user, value, found) for user in value.users):
                found.add(id(value))
    return found


def _index_use(user: "Op", value: "Value", found: set[int]) -> bool:
    name = user.name
    positions = [i for i, operand in enumerate(user.operands) if operand is value]
    if name == "stablehlo.gather":
        return all(p == 1 for p in positions)
    if name == "stablehlo.scatter":
        count = len(user.results)
        return all(p == count for p in positions)
    if name == "stablehlo.dynamic_slice":
        return all(p >= 1 for p in positions)
    if name == "stablehlo.dynamic_update_slice":
        return all(p >= 2 for p in positions)
    if name == "stablehlo.sort":  # an iota payload (argsort): the sort is where its positions are read
        return all(p >= 1 for p in positions)
    if name == "stablehlo.reduce" and len(user.operands) == 4:  # argmax/argmin's index input
        first = user.operands[0].type
        inputs = [i for i, v in enumerate(user.operands) if v.type is not None and first is not None
                  and v.type.shape == first.shape]
        return len(inputs) == 2 and all(p == inputs[1] for p in positions)
    if not user.results or user.regions or name in ("func.call", "call", "stablehlo.composite"):
        return False
    return all(id(result) in found for result in user.results)


def first_divergence(reference, localized, placements, mesh, index_only: set[int]) -> "Op | None":
    for (op, want), (_, got) in zip(reference.order, localized.order):
        for value, a, b in zip(op.results, want, got):
            if id(value) in index_only or value.type is None:
                continue
            if differs_on_some_device(a, b, value, placements, mesh):
                return op
    return None
