"""The row-iota hazards of a module, found once and shared by HF001-HF005."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlo_fix.index_tracing.loose import IndexedAccess, IotaTerm, accesses, table_source
from hlo_fix.ir.accessors import gather_numbers, tensor_shape
from hlo_fix.rules.context_checks import in_manual_computation
from hlo_fix.sharding.analysis import analysis
from hlo_fix.sharding.annotations import is_annotation
from hlo_fix.sharding.spec import REPLICATED_DIM, DimSharding

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op


@dataclass
class RowIotaHazard:
    access: IndexedAccess
    term: IotaTerm
    operand_dim: int
    flat: bool  # `row * E + col` into a reshaped 1-D table (HF004)
    sharding: DimSharding  # of the batch dimension the iota runs over

    @property
    def sharded(self) -> bool:
        return self.sharding.sharded


def row_iota_hazards(ctx) -> list[RowIotaHazard]:
    return ctx.cached("row-iota-hazards", lambda: _find(ctx))


def _find(ctx) -> list[RowIotaHazard]:
    sharding = analysis(ctx)
    found = []
    for access in live_accesses(ctx):
        hits = [(c.operand_dim, t, False) for c, t in access.row_iotas()]
        hits += [(access.components[0].operand_dim, t, True) for t in access.flat_row_iotas()]
        for operand_dim, term, flat in hits:
            # The iota's dim is the index's batch dim `term.dim`, which every piece of the index shares: asking
            # from the data piece walks straight back to where the indices came from, which reaches known dims
            # sooner than the iota's own plumbing does.
            data = next((c.piece for c in access.components if c.trace.has_data and c.piece is not None), None)
            dim = sharding.dim(data if data is not None else access.index_root, term.dim)
            if not dim.sharded:
                dim = sharding.dim(term.iota.results[0], term.iota_dim)
            if not dim.sharded:
                dim = _row_dim_of_operand(access, operand_dim, flat, sharding)
            if not dim.sharded:
                dim = _row_dim_of_result(access, term, operand_dim, sharding)
            found.append(RowIotaHazard(access, term, operand_dim, flat, dim))
    return found


def live_accesses(ctx) -> list[IndexedAccess]:
    """Gathers and scatters outside manual computations (those are shard-local by construction), once per run."""

    def build():
        sharding = analysis(ctx)
        return [a for a in accesses(ctx) if not in_manual_computation(a.op, sharding)]

    return ctx.cached("live-accesses", build)


def _row_dim_of_operand(access: IndexedAccess, operand_dim: int, flat: bool, sharding) -> DimSharding:
    """The table's own row dim: for a flat gather, dim 0 of the table before its reshape to 1-D."""
    table, dim = table_source(access.operand), operand_dim
    if flat and table.owner is not None and table.owner.name == "stablehlo.reshape":
        table, dim = table.owner.operands[0], 0
    return sharding.dim(table, dim)


def _row_dim_of_result(access: IndexedAccess, term: IotaTerm, operand_dim: int, sharding) -> DimSharding:
    """The access's result along the row: a result sharded there (`out_sharding=P("batch")` on a replicated
    operand) makes the partitioner split the access by rows, row iota and all."""
    op = access.op
    if access.kind == "scatter":
        return _declared_dim(op.results[0], operand_dim, sharding) if op.results else REPLICATED_DIM
    index_shape, root_shape = tensor_shape(access.indices), tensor_shape(access.index_root)
    result_shape = tensor_shape(op.results[0]) if op.results else None
    if index_shape is None or root_shape != index_shape or result_shape is None or term.dim == access.index_vector_dim:
        return REPLICATED_DIM
    offset = set(gather_numbers(op).get("offset_dims", []))
    batch_dims = [d for d in range(len(result_shape)) if d not in offset]
    position = term.dim if term.dim < access.index_vector_dim else term.dim - 1
    if position >= len(batch_dims):
        return REPLICATED_DIM
    return _declared_dim(op.results[0], batch_dims[position], sharding)


def _declared_dim(value, dim: int, sharding) -> DimSharding:
    """A value's dim as the annotation right after it declares it (explicit-mesh JAX constrains every result),
    else as the analysis finds it."""
    for user in value.users:
        if is_annotation(user) and user.operands and user.operands[0] is value and user.results:
            found = sharding.dim(user.results[0], dim)
            if found.sharded:
                return found
    return sharding.dim(value, dim)


def hazards_by_op(ctx, kind: str, flat: bool) -> list[list[RowIotaHazard]]:
    """Hazards grouped per gather/scatter (a 3-D gather can have two row iotas), the sharded one first."""
    groups: dict[int, list[RowIotaHazard]] = {}
    for hazard in row_iota_hazards(ctx):
        if hazard.access.kind == kind and hazard.flat == flat:
            groups.setdefault(id(hazard.access.op), []).append(hazard)
    return [sorted(group, key=lambda h: not h.sharded) for group in groups.values()]


def hazard_iotas(ctx) -> set[int]:
    """Iotas that a row-iota finding (HF002-HF004) already reports."""
    return {id(h.term.iota) for h in row_iota_hazards(ctx)}


def describe_sharding(dim: DimSharding) -> str:
    return f"sharded over {dim.describe()}" if dim.axes else f"split {dim.ways} ways"


def severity_for(hazard: RowIotaHazard) -> str:
    return "error" if hazard.sharded else "warning"


def op_label(op: "Op") -> str:
    return op.name.split(".", 1)[-1]


def row_iota_findings(rule, ctx, kind: str, *, addresses: str, effect: str, advice: str):
    """HF002/HF003's findings: one per gather or scatter, naming its row iota's batch dims and their sharding."""
    for group in hazards_by_op(ctx, kind, flat=False):
        hazard = group[0]
        where = describe_sharding(hazard.sharding) if hazard.sharded else "not sharded yet"
        dims = ", ".join(str(h.term.dim) for h in group)
        message = (
            f"{kind} {addresses} operand dim {hazard.operand_dim} with an iota over batch dim {dims} of its index "
            f"({where}); a backend that localizes the iota {effect} the wrong rows on every shard but the first: "
            f"{advice}"
        )
        yield ctx.finding(rule, hazard.access.op, message, severity=severity_for(hazard))
