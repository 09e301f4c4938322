"""Recognizes how a gather's or scatter's start indices were built: which index components are an iota over a
batch dimension (a "row iota"), which are data, and whether a flat `row * E + col` index was formed.

Exporters wrap both parts in plumbing that changes no value: converts, size-1 reshapes, broadcasts, jnp's
negative-index normalization `select(x < 0, x + n, x)`, and the sharding annotations explicit-mesh programs put on
every value (`hlo_fix.sharding.annotations`). A constant equal to an iota is a row iota too: torch_xla prints
`torch.arange(B)` as `dense<[0, 1, ...]>`. The tracer sees through all of it and follows each dimension, so it
can tell an iota over the batch axis (the hazard) from an iota over the expert axis (harmless).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hlo_fix.index_tracing.constant_iota import constant_iota_dim
from hlo_fix.ir.accessors import (
    broadcast_dims,
    concatenate_axis,
    gather_numbers,
    iota_dimension,
    permutation,
    scatter_numbers,
    tensor_shape,
)
from hlo_fix.ir.calls import call_argument, call_graph
from hlo_fix.ir.idioms import normalized_source, splat_value
from hlo_fix.ir.shapes import reshape_groups
from hlo_fix.ir.structure import structure_of
from hlo_fix.sharding.annotations import forwarded, see_through

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value

_SAME_VALUE = frozenset({"stablehlo.convert", "stablehlo.bitcast_convert"})
_IOTAS = frozenset({"stablehlo.iota", "stablehlo.dynamic_iota"})
_BROADCASTS = frozenset({"stablehlo.broadcast_in_dim", "stablehlo.dynamic_broadcast_in_dim"})
_CONSTANTS = frozenset({"stablehlo.constant"})


@dataclass(frozen=True)
class IotaTerm:
    """The traced value equals `scale * iota` along `dim` (a dim of the traced value)."""

    iota: "Op"  # a stablehlo.iota, or a constant holding 0, 1, 2, ... along `iota_dim`
    iota_dim: int
    dim: int
    scale: int = 1


@dataclass
class Trace:
    iotas: list[IotaTerm] = field(default_factory=list)
    has_data: bool = False


def _is_constant(value: "Value") -> bool:
    """A plain constant (an offset or a scale), seen through broadcasts, converts, reshapes and annotations."""
    value = see_through(value)
    op = value.owner
    while op is not None and (op.name in _BROADCASTS or op.name in ("stablehlo.convert", "stablehlo.reshape")):
        value = see_through(op.operands[0])
        op = value.owner
    # A constant arange is an index in its own right, not an offset or a scale.
    return op is not None and op.name in _CONSTANTS and constant_iota_dim(op) is None


def trace(value: "Value", tracer: "_Tracer | None" = None) -> Trace:
    """Where the values of `value` come from, per dim of `value`."""
    return (tracer or _Tracer()).follow(value, None, 1, 0, ())


class _Tracer:
    """One trace. `dims` maps the traced value's dims to the dims of the value the trace started from; `calls`
    is the stack of calls entered (a private function's argument is the operand of the call that entered it).
    Results are shared between the two branches of a normalization `select(x < 0, x + n, x)`, which lead to the
    same values."""

    def __init__(self) -> None:
        self.seen: dict = {}
        # Whether the trace left the function (arguments to call sites, call results into callees): such a
        # trace depends on more than the access's own structure.
        self.left_function = False

    def visited(self) -> set[int]:
        return {key[0] for key in self.seen}

    def follow(self, value: "Value", dims: dict[int, int] | None, scale: int, depth: int, calls: tuple) -> Trace:
        key = (id(value), tuple(sorted(dims.items())) if dims is not None else None, scale, calls)
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = self._follow(value, dims, scale, depth, calls)
        return found

    def _follow(self, value: "Value", dims: dict[int, int] | None, scale: int, depth: int, calls: tuple) -> Trace:
        result = Trace()
        if dims is None:
            shape = tensor_shape(value)
            dims = {d: d for d in range(len(shape))} if shape is not None else {}
        if depth > 32:
            result.has_data = True
            return result
        nxt = depth + 1
        if value.index < 0:
            # A function argument: the operand of the call that entered the function (jnp.take's gather sits in
            # @_take), or of its one call site.
            self.left_function = True
            passed, outer = _passed_argument(value, calls)
            if passed is None:
                result.has_data = True
                return result
            return self.follow(passed, dims, scale, nxt, outer)
        op = value.owner
        if op is None:
            result.has_data = True
            return result
        name = op.name
        if name in _IOTAS:
            iota_dim = iota_dimension(op)
            if iota_dim in dims:
                result.iotas.append(IotaTerm(op, iota_dim, dims[iota_dim], scale))
            return result
        if name in _CONSTANTS:
            # torch.arange(B) exported as data: the same row index as an iota (decoded once per constant text).
            arange_dim = constant_iota_dim(op)
            if arange_dim is not None and arange_dim in dims:
                result.iotas.append(IotaTerm(op, arange_dim, dims[arange_dim], scale))
            return result
        inner = forwarded(value)
        if inner is not None:
            return self.follow(inner, dims, scale, nxt, calls)
        if name in _SAME_VALUE or name == "stablehlo.reshape":
            source = op.operands[0]
            mapped = dims if name in _SAME_VALUE else _reshape_dims(source, value, dims)
            return self.follow(source, mapped, scale, nxt, calls)
        if name in _BROADCASTS:
            # dynamic_broadcast_in_dim's second operand is the output shape (shape-polymorphic exports).
            source = op.operands[0]
            bdims = broadcast_dims(op) or []
            so = tensor_shape(source)
            mapped = {i: dims[d] for i, d in enumerate(bdims) if d in dims and so is not None and so[i] != 1}
            return self.follow(source, mapped, scale, nxt, calls)
        if name == "stablehlo.transpose":
            perm = permutation(op) or []
            mapped = {p: dims[i] for i, p in enumerate(perm) if i in dims}
            return self.follow(op.operands[0], mapped, scale, nxt, calls)
        if name == "stablehlo.select":
            kept = normalized_source(value)
            if kept is not None:
                # jnp's normalization select(x < 0, x + n, x) of an index: x itself, whatever n is (a shape-
                # polymorphic export adds the symbolic batch size, which is no constant).
                return self.follow(kept, dims, scale, nxt, calls)
            for branch in op.operands[1:]:
                _merge(result, self.follow(branch, dims, scale, nxt, calls))
            return result
        if name in ("stablehlo.add", "stablehlo.subtract"):
            for operand in op.operands:
                if not _is_constant(operand):
                    _merge(result, self.follow(operand, dims, scale, nxt, calls))
            return result
        if name == "stablehlo.multiply":
            constants = [splat_value(v) for v in op.operands]
            for operand, constant in zip(op.operands, reversed(constants)):
                if constant is not None and not _is_constant(operand):
                    _merge(result, self.follow(operand, dims, scale * constant, nxt, calls))
                    return result
        if name == "stablehlo.clamp" and len(op.operands) == 3:
            return self.follow(op.operands[1], dims, scale, nxt, calls)
        if name in ("call", "func.call"):
            # jnp.where and friends lower to private functions: continue at what the callee returns.
            self.left_function = True
            returned = _returned_value(op, value)
            if returned is not None:
                return self.follow(returned, dims, scale, nxt, calls + (op,))
        result.has_data = True
        return result


def _passed_argument(argument: "Value", calls: tuple) -> tuple["Value | None", tuple]:
    owner = argument.owner
    if calls and owner is not None and owner.regions and argument in owner.regions[0].arguments:
        call = calls[-1]
        position = owner.regions[0].arguments.index(argument)
        if (call.attributes.symbol() or "") == (owner.attributes.symbol() or "") and position < len(call.operands):
            return call.operands[position], calls[:-1]
    return call_argument(argument), calls


def _returned_value(call: "Op", result: "Value") -> "Value | None":
    callee = call_graph(call.module).callee(call)
    if callee is None or not callee.regions or not callee.regions[0].ops:
        return None
    returned = callee.regions[0].ops[-1]
    if returned.name not in ("return", "func.return") or result.index >= len(returned.operands):
        return None
    return returned.operands[result.index]


def _merge(into: Trace, other: Trace) -> None:
    into.iotas.extend(t for t in other.iotas if t not in into.iotas)
    into.has_data = into.has_data or other.has_data


def _reshape_dims(source: "Value", result: "Value", dims: dict[int, int]) -> dict[int, int]:
    """Which result dim each source dim's values run along: a merged group runs along its one result dim, a split
    dim along its major result dim (`repeat_interleave`-style rows: `arange(B)` broadcast to [B, K] and merged
    to [B*K] is still a row iota)."""
    so, sr = tensor_shape(source), tensor_shape(result)
    groups = reshape_groups(so, sr) if so is not None and sr is not None else None
    if groups is None:
        return {}
    mapped = {}
    for source_dims, result_dims in groups:
        major = result_dims[0]
        if major in dims:
            for d in source_dims:
                mapped[d] = dims[major]
    return mapped


def table_source(value: "Value") -> "Value":
    """The table a gather reads, seen through function arguments (a gather inside a private function)."""
    for _ in range(8):
        value = see_through(value)
        if value.index >= 0:
            return value
        passed = call_argument(value)
        if passed is None:
            return value
        value = passed
    return value


@dataclass
class IndexComponent:
    """One entry of the index vector: the operand dim it addresses and how its value was built."""

    operand_dim: int
    trace: Trace
    # The concatenate operand it comes from (None when the index vector is not split by a concatenate).
    piece: "Value | None" = None


@dataclass
class IndexedAccess:
    """A gather or scatter, with its index decomposed."""

    op: "Op"
    kind: str  # "gather" or "scatter"
    operand: "Value"
    indices: "Value"
    index_vector_dim: int
    components: list[IndexComponent]
    batching_dims: list[int]  # operand dims that are batching (take_along_axis), not indexed
    index_root: "Value"  # the value whose dims the components' traces refer to (the concatenate, usually)

    @property
    def indexed_dims(self) -> list[int]:
        return [c.operand_dim for c in self.components]

    def row_iotas(self) -> list[tuple[IndexComponent, IotaTerm]]:
        """Components that are an iota over a batch dim of the index while another component is data."""
        if not any(c.trace.has_data or not c.trace.iotas for c in self.components):
            return []
        found = []
        for component in self.components:
            if component.trace.has_data:
                continue
            for term in component.trace.iotas:
                if term.dim != self.index_vector_dim and term.scale == 1:
                    found.append((component, term))
        return found if len(found) < len(self.components) else []

    def flat_row_iotas(self) -> list[IotaTerm]:
        """`row * E + col` into a 1-D table: a scaled iota over a batch dim added to data."""
        if len(self.components) != 1:
            return []
        component = self.components[0]
        if not component.trace.has_data:
            return []
        return [t for t in component.trace.iotas if t.scale > 1 and t.dim != self.index_vector_dim]


def decompose(op: "Op", tracer: "_Tracer | None" = None) -> IndexedAccess | None:
    """Split a gather's or scatter's index into per-operand-dim components; None when the shapes are unknown."""
    if op.name in ("stablehlo.gather", "stablehlo.dynamic_gather"):
        numbers = gather_numbers(op)
        operand, indices = op.operands[0], op.operands[1]
        index_map = numbers.get("start_index_map", [])
        batching = numbers.get("operand_batching_dims", [])
        kind = "gather"
    elif op.name == "stablehlo.scatter":
        numbers = scatter_numbers(op)
        count = len(op.results)
        if len(op.operands) < count + 2:
            return None
        operand, indices = op.operands[0], op.operands[count]
        index_map = numbers.get("scatter_dims_to_operand_dims", [])
        batching = numbers.get("input_batching_dims", [])
        kind = "scatter"
    else:
        return None
    shape = tensor_shape(indices)
    if shape is None or not index_map:
        return None
    ivd = numbers.get("index_vector_dim", [len(shape)])[0]
    components = [IndexComponent(d, Trace()) for d in index_map]
    root, pieces = _index_pieces(indices, ivd, len(index_map))
    for component, (piece, position) in zip(components, pieces):
        # An index vector that is not split by a concatenate is one opaque tensor: its parts are data.
        component.trace = trace(piece, tracer) if position is None else Trace(has_data=True)
        component.piece = piece if position is None and piece is not indices else None
    return IndexedAccess(op, kind, operand, indices, ivd, components, batching, root)


def _index_pieces(indices: "Value", ivd: int, count: int) -> tuple["Value", list[tuple["Value", int | None]]]:
    """The values that make up each index component: the operands of a concatenate along the index vector dim
    (each of extent 1), or the index itself when it has a single component; with the value they split."""
    value = indices
    # See through converts and size-1 reshapes between the concatenate and the gather.
    for _ in range(8):
        value = see_through(value)
        op = value.owner
        if op is None or op.name not in _SAME_VALUE and op.name != "stablehlo.reshape":
            break
        value = op.operands[0]
    op = value.owner
    if op is not None and op.name == "stablehlo.concatenate":
        axis = concatenate_axis(op)
        shape = tensor_shape(value)
        if shape is not None and axis == (ivd if ivd < len(shape) else len(shape) - 1):
            pieces = []
            for operand in op.operands:
                so = tensor_shape(operand)
                extent = so[axis] if so is not None and axis < len(so) else 1
                if len(pieces) + (extent or 1) > count:  # not the index vector's parts (an extent may be huge)
                    break
                pieces.extend([(operand, None)] * (extent or 1))
            else:
                if len(pieces) == count:
                    return value, pieces
    return indices, [(indices, None)] * count if count == 1 else [(indices, k) for k in range(count)]


def accesses(ctx) -> list[IndexedAccess]:
    """Every gather and scatter of the module, decomposed once per lint run. Accesses with the same structure
    (`hlo_fix.ir.structure`) share one decomposition, mapped onto each op's own values."""

    def build():
        templates: dict = {}
        found = []
        for op in ctx.module.ops_named("stablehlo.gather", "stablehlo.scatter", "stablehlo.dynamic_gather"):
            shape = structure_of(ctx, op)
            template = templates.get(shape.key) if shape.key is not None else None
            if template is not None:
                found.append(template.instantiate(op, shape))
                continue
            tracer = _Tracer()
            access = decompose(op, tracer)
            if access is None:
                continue
            found.append(access)
            if shape.key is not None and not tracer.left_function:
                template = _AccessTemplate.record(access, shape, tracer.visited())
                if template is not None:
                    templates[shape.key] = template
        return found

    return ctx.cached("index-accesses", build)


class _AccessTemplate:
    """A decomposition in terms of positions in a structure's walk, so equal structures reuse it."""

    def __init__(self, access: IndexedAccess, positions: dict[int, int], root: int, components: list):
        self.kind = access.kind
        self.index_vector_dim = access.index_vector_dim
        self.batching_dims = access.batching_dims
        self.root = root
        self.components = components

    @classmethod
    def record(cls, access: IndexedAccess, shape, visited: set[int]) -> "_AccessTemplate | None":
        positions = shape.positions
        if not visited <= positions.keys() or id(access.index_root) not in positions:
            return None
        components = []
        for component in access.components:
            piece = component.piece
            if piece is not None and id(piece) not in positions:
                return None
            terms = []
            for term in component.trace.iotas:
                iota = term.iota.results[0]
                if id(iota) not in positions:
                    return None
                terms.append((positions[id(iota)], term.iota_dim, term.dim, term.scale))
            components.append(
                (component.operand_dim, component.trace.has_data, terms, None if piece is None else positions[id(piece)])
            )
        return cls(access, positions, positions[id(access.index_root)], components)

    def instantiate(self, op: "Op", shape) -> IndexedAccess:
        order = shape.order
        components = []
        for operand_dim, has_data, terms, piece in self.components:
            iotas = [IotaTerm(order[p].owner, iota_dim, dim, scale) for p, iota_dim, dim, scale in terms]
            components.append(
                IndexComponent(operand_dim, Trace(iotas, has_data), None if piece is None else order[piece])
            )
        count = len(op.results) if self.kind == "scatter" else 1
        operand, indices = op.operands[0], op.operands[count]
        return IndexedAccess(
            op, self.kind, operand, indices, self.index_vector_dim, components, list(self.batching_dims),
            order[self.root],
        )
