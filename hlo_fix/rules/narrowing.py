"""Which dims a `slice`, `dynamic_slice` or `dynamic_update_slice` narrows, and which of those are sharded: what
HF006 reports and what its fix replicates.

A dim is narrowed when the op keeps (or writes) less than all of it in order: a slice with start != 0, limit != size
or stride != 1, a dynamic_slice whose size or a dynamic_update_slice whose update is smaller than the dim. Backends
localize such an op per shard by rewriting its bounds (tt-mlir scaled start and limit by the shard count), which is
only right when the op keeps the whole dim or takes every stride-th element from the start of each shard. That
interleave (`x[..., ::2]`, `x[..., 1::2]`, as RoPE's pair split is written) is shard-local when every shard holds a
whole number of strides, and is not reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlo_fix.ir.memo import memoized
from hlo_fix.ir.opkey import op_key
from hlo_fix.ir.tokens import matching_close, tokenize
from hlo_fix.rules.context_checks import in_manual_computation
from hlo_fix.sharding.analysis import analysis
from hlo_fix.sharding.spec import DimSharding

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op

SLICE_OPS = ("stablehlo.slice", "stablehlo.dynamic_slice", "stablehlo.dynamic_update_slice")
# Where each op's start indices begin among its operands (after the operand, and the update).
DYNAMIC_STARTS = {"stablehlo.dynamic_slice": 1, "stablehlo.dynamic_update_slice": 2}


@dataclass(frozen=True)
class Narrowing:
    """One narrowed dim: the operand's extent, what the op keeps, and (static slices) its start and stride."""

    dim: int
    size: int
    kept: int
    start: int | None = None  # None: a dynamic op, whose start is a runtime value
    limit: int | None = None
    stride: int = 1
    writes: bool = False  # a dynamic_update_slice's window

    def shard_local(self, ways: int) -> bool:
        """Every shard keeps its own elements at the same local positions: a start < stride interleave over the
        whole dim, with a whole number of strides in each shard."""
        if self.start is None or self.stride == 1 or self.start >= self.stride:
            return False
        return self.size % (ways * self.stride) == 0 and self.kept == self.size // self.stride

    def describe(self) -> str:
        if self.start is None:
            return f"{'writes' if self.writes else 'keeps'} {self.kept} of the {self.size} elements of dim {self.dim}"
        step = f":{self.stride}" if self.stride != 1 else ""
        return f"keeps [{self.start}:{self.limit}{step}] of dim {self.dim} (size {self.size})"


@dataclass(frozen=True)
class SlicedShard:
    """A narrowed dim that is sharded, at one op (one per op: the first such dim; `dims` lists them all)."""

    op: "Op"
    narrowing: Narrowing
    sharding: DimSharding
    dims: tuple[int, ...]


def slice_bounds(op: "Op") -> tuple[tuple[int, int, int], ...] | None:
    """(start, limit, stride) per dim of a `stablehlo.slice`: the generic `start_indices = array<i64: ...>`
    properties or the pretty `[0:8, 32:64:2]` (decoded once per distinct op text); None when neither reads."""
    attributes = op.attributes
    starts, limits = attributes.ints("start_indices"), attributes.ints("limit_indices")
    if starts is not None and limits is not None:
        strides = attributes.ints("strides") or [1] * len(starts)
        return tuple(zip(starts, limits, strides)) if len(starts) == len(limits) == len(strides) else None
    return _pretty_bounds(op_key(op))


def _decode_pretty_bounds(text: str) -> tuple[tuple[int, int, int], ...] | None:
    tokens = tokenize(text, strict=False)
    opening = next((i for i, t in enumerate(tokens) if t.type == "LSQB"), None)
    if opening is None:
        return None
    bounds: list[tuple[int, int, int]] = []
    numbers: list[int] = []
    for tok in tokens[opening + 1 : matching_close(tokens, opening) + 1]:
        if tok.type == "INT":
            numbers.append(int(tok.value))
        elif tok.type in ("COMMA", "RSQB"):
            if len(numbers) not in (2, 3):
                return None if numbers or tok.type == "COMMA" else tuple(bounds)
            bounds.append((numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 1))
            numbers = []
        elif tok.type not in ("COLON", "WS"):
            return None
    return tuple(bounds)


_pretty_bounds = memoized(_decode_pretty_bounds)


def _windows(op: "Op"):
    """(operand type, window type) of a slicing op with static shapes of one rank: the result, or the update of a
    dynamic_update_slice; None otherwise."""
    if op.name not in SLICE_OPS or not op.operands or len(op.results) != 1:
        return None
    writes = op.name == "stablehlo.dynamic_update_slice"
    if writes and len(op.operands) < 2:
        return None
    source, window = op.operands[0].type, (op.operands[1] if writes else op.results[0]).type
    if source is None or window is None or not source.is_static or not window.is_static:
        return None
    return (source, window) if source.rank == window.rank else None


def narrowed_dims(op: "Op") -> list[int]:
    """The dims the op narrows, from its types alone: a slice keeps all of a dim only with start 0, limit = size
    and stride 1, so exactly where its result is as large as its operand."""
    types = _windows(op)
    return [] if types is None else [d for d, (n, k) in enumerate(zip(*(t.shape for t in types))) if k < n]


def narrowings(op: "Op") -> list[Narrowing]:
    """The dims the op narrows, with a static slice's bounds."""
    types = _windows(op)
    if types is None:
        return []
    source, window = types
    if op.name in DYNAMIC_STARTS:
        writes = op.name == "stablehlo.dynamic_update_slice"
        return [Narrowing(d, source.shape[d], window.shape[d], writes=writes) for d in narrowed_dims(op)]
    bounds = slice_bounds(op)
    if bounds is None or len(bounds) != source.rank:
        return []
    return [
        Narrowing(d, n, k, start, limit, stride)
        for d, ((start, limit, stride), n, k) in enumerate(zip(bounds, source.shape, window.shape))
        if (start, limit, stride) != (0, n, 1)
    ]


def sliced_shards(ctx) -> list[SlicedShard]:
    """Every slice, dynamic_slice and dynamic_update_slice outside manual computations that narrows a sharded dim,
    once per lint run."""
    return ctx.cached("sliced-shards", lambda: _find(ctx))


def _find(ctx) -> list[SlicedShard]:
    sharding = analysis(ctx)
    if not sharding.is_sharded_module:
        return []
    found = []
    for op in ctx.module.ops_named(*SLICE_OPS):
        sharded = {d: dim for d in narrowed_dims(op) if (dim := sharding.dim(op.operands[0], d)).sharded}
        if not sharded:
            continue  # the bounds are read only for the few ops that narrow a sharded dim
        hits = [(n, sharded[n.dim]) for n in narrowings(op) if n.dim in sharded]
        hits = [(n, dim) for n, dim in hits if not n.shard_local(dim.ways)]
        if hits and not in_manual_computation(op, sharding):
            found.append(SlicedShard(op, hits[0][0], hits[0][1], tuple(n.dim for n, _ in hits)))
    return found
