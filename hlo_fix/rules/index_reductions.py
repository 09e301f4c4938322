"""Ops that return *positions* along a dimension: argmax/argmin (a variadic reduce carrying an iota), top_k, and
sorts that carry an iota payload (argsort). Their index results count from the start of the whole dimension, so
they are exact only when the op sees the whole dimension, not one shard of it.

`index_reductions` finds them once per module; each says which dim it reduces or sorts and which operands hold
the data (the values a replicate constraint must cover). HF007 reports the ones whose dim is sharded, and its
fix (`hf007_sharded_index_reduction_fix`) matches the same description.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlo_fix.index_tracing.exact import iota_dim
from hlo_fix.ir.attributes import parse_string
from hlo_fix.ir.tokens import tokenize
from hlo_fix.rules.context_checks import in_manual_computation
from hlo_fix.sharding.analysis import analysis
from hlo_fix.sharding.annotations import custom_call_target, see_through
from hlo_fix.ir.accessors import reduce_inputs

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value
    from hlo_fix.sharding.spec import DimSharding

# Composites and custom calls that are a top-k over the last dim: JAX's serialized `chlo.top_k`, the MHLO name
# some exporters keep, and XLA's `TopK` custom call.
TOP_K_COMPOSITES = frozenset({"chlo.top_k", "mhlo.topk", "mhlo.top_k"})
TOP_K_TARGETS = frozenset({"TopK", "mhlo.topk"})
# `lax.approx_max_k` / `approx_min_k`: (values, iota, inits) reduced along `reduction_dim` of its backend config.
APPROX_TOP_K = "ApproxTopK"


@dataclass(frozen=True)
class IndexReduction:
    """One op whose index output depends on global positions along `dim` of its `data` operands; `payloads` are
    the iota operands that supply the positions (argmax, sort)."""

    op: "Op"
    kind: str  # "argmax" (a reduce; argmin too), "top_k" or "sort"
    dim: int
    data: tuple["Value", ...]
    payloads: tuple["Value", ...] = ()

    @property
    def label(self) -> str:
        return {"argmax": "argmax/argmin reduce", "top_k": "top_k", "sort": "sort with an iota payload"}[self.kind]


def index_reductions(ctx) -> list[IndexReduction]:
    """Every index-returning reduction of the module, in text order, once per lint run."""
    return ctx.cached("index-reductions", lambda: _find(ctx.module))


def sharded_reductions(ctx) -> list[tuple[IndexReduction, "DimSharding"]]:
    """The index reductions whose dim is sharded (a data operand's, or the iota payload's under explicit-mesh
    constraints), outside manual computations, with that dim's sharding: what HF007 reports."""

    def build():
        sharding = analysis(ctx)
        if not sharding.is_sharded_module:
            return []
        found = []
        for reduction in index_reductions(ctx):
            dims = (sharding.dim(v, reduction.dim) for v in (*reduction.data, *reduction.payloads))
            dim = next((d for d in dims if d.sharded), None)
            if dim is not None and not in_manual_computation(reduction.op, sharding):
                found.append((reduction, dim))
        return found

    return ctx.cached("sharded-index-reductions", build)


def reported_payload_iotas(ctx) -> set[int]:
    """The iota ops (by id) behind the payloads of the reductions HF007 reports: HF001 leaves them to HF007,
    whose fix replicates the whole reduced dim."""
    found = set()
    for reduction, _ in sharded_reductions(ctx):
        payloads = list(reduction.payloads)
        if reduction.op.name == "stablehlo.composite":
            payloads += _decomposition_payloads(ctx.module, reduction.op)
        for payload in payloads:
            op = _iota_op(payload)
            if op is not None:
                found.add(id(op))
    return found


def _decomposition_payloads(module, composite: "Op") -> list["Value"]:
    """The iota payloads of the sorts in a top_k composite's decomposition (jax.export's `@chlo.top_k.impl`)."""
    raw = composite.attributes.get("decomposition") or ""
    function = module.functions.get(raw[1:].strip('"')) if raw.startswith("@") else None
    if function is None:
        return []
    sorts = (_sort(op) for op in function.walk() if op.name == "stablehlo.sort")
    return [payload for sort in sorts if sort is not None for payload in sort.payloads]


def _iota_op(value: "Value", depth: int = 0) -> "Op | None":
    value = see_through(value)
    op = value.owner
    if op is None or value.index < 0 or depth > 16:
        return None
    if op.name == "stablehlo.iota":
        return op
    if op.name in ("stablehlo.broadcast_in_dim", "stablehlo.reshape", "stablehlo.convert") and op.operands:
        return _iota_op(op.operands[0], depth + 1)
    return None


def _find(module) -> list[IndexReduction]:
    found: list[IndexReduction] = []
    decompositions = decomposition_functions(module)
    for op in module.ops_named("stablehlo.reduce", "chlo.top_k", "stablehlo.sort", "stablehlo.composite",
                               "mhlo.topk", "stablehlo.custom_call"):
        reduction = describe(op, decompositions)
        if reduction is not None:
            found.append(reduction)
    return sorted(found, key=lambda r: r.op.start)


def describe(op: "Op", decompositions: frozenset[str] = frozenset()) -> IndexReduction | None:
    """What `op` reduces or sorts, if it returns positions; None for any other op."""
    name = op.name
    if name == "stablehlo.reduce":
        return _argmax(op)
    if name in ("chlo.top_k", "mhlo.topk"):
        return _last_dim(op, "top_k")
    if name == "stablehlo.composite":
        return _last_dim(op, "top_k") if composite_name(op) in TOP_K_COMPOSITES else None
    if name == "stablehlo.custom_call":
        target = custom_call_target(op)
        if target == APPROX_TOP_K:
            return _approx_top_k(op)
        return _last_dim(op, "top_k") if target in TOP_K_TARGETS else None
    if name == "stablehlo.sort":
        function = op.function
        if function is not None and (function.attributes.symbol() or "") in decompositions:
            return None  # the composite that calls it is the op the user wrote
        return _sort(op)
    return None


def composite_name(op: "Op") -> str | None:
    """`"chlo.top_k"` of `stablehlo.composite "chlo.top_k" %x {...}` (pretty) or `name = "chlo.top_k"` (generic)."""
    raw = op.attributes.get("name")
    if raw and raw.startswith('"'):
        return parse_string(raw)
    text = op.own_text
    head = text.find("stablehlo.composite")
    at = text.find('"', head) if head >= 0 else -1
    end = text.find('"', at + 1) if at >= 0 else -1
    return text[at + 1 : end] if end > at else None


def decomposition_functions(module, only: frozenset[str] | None = None) -> frozenset[str]:
    """The functions composites name as their `decomposition` (of the composites called one of `only`)."""
    names = set()
    for op in module.ops_named("stablehlo.composite"):
        raw = op.attributes.get("decomposition") or ""
        if raw.startswith("@") and (only is None or composite_name(op) in only):
            names.add(raw[1:].strip('"'))
    return frozenset(names)


def top_k_decompositions(module) -> frozenset[str]:
    """The bodies of top_k composites: HF007 reports the composite, so what its body slices or sorts is not
    reported again."""
    return decomposition_functions(module, TOP_K_COMPOSITES)


def _rank(value: "Value") -> int | None:
    found = value.type
    return None if found is None else found.rank


def _last_dim(op: "Op", kind: str) -> IndexReduction | None:
    if not op.operands:
        return None
    rank = _rank(op.operands[0])
    if not rank:
        return None
    return IndexReduction(op, kind, rank - 1, (op.operands[0],))


def _approx_top_k(op: "Op") -> IndexReduction | None:
    operands = op.operands[: len(op.results)]
    rank = _rank(operands[0]) if operands else None
    if not rank:
        return None
    dim = _config_int(op.attributes.get("mhlo.backend_config") or "", "reduction_dim")
    dim = rank - 1 if dim is None or dim < 0 else dim
    payloads = tuple(v for v in operands if iota_dim(v) == dim)
    data = tuple(v for v in operands if v not in payloads)
    return IndexReduction(op, "top_k", dim, data, payloads) if data else None


def _config_int(raw: str, key: str) -> int | None:
    """`key = 1 : i64` in an attribute dictionary's text."""
    tokens = tokenize(raw, strict=False)
    for i, tok in enumerate(tokens[:-2]):
        if tok.type == "BARE_ID" and tok.value == key and tokens[i + 1].type == "EQUAL" and tokens[i + 2].type == "INT":
            return int(tokens[i + 2].value)
    return None


def _argmax(op: "Op") -> IndexReduction | None:
    """A reduce of values and an iota along a reduced dim with a compare/select reducer (jnp.argmax, argmin,
    torch.max(dim) as exporters lower them)."""
    if len(op.results) < 2 or not op.regions:
        return None
    dims = set(op.attributes.ints("dimensions") or [])
    inputs = reduce_inputs(op)
    if not dims or len(inputs) < 2:
        return None
    body = {inner.name for region in op.regions for inner in region.ops}
    if "stablehlo.compare" not in body or "stablehlo.select" not in body:
        return None
    iotas = {i: iota_dim(v) for i, v in enumerate(inputs)}
    positions = [i for i, d in iotas.items() if d is not None and d in dims]
    data = tuple(v for i, v in enumerate(inputs) if i not in positions)
    if not positions or not data:
        return None
    payloads = tuple(inputs[i] for i in positions)
    return IndexReduction(op, "argmax", iotas[positions[0]], data, payloads)


def _sort(op: "Op") -> IndexReduction | None:
    """A sort whose operands include an iota along the sort dimension (argsort, top_k's decomposition,
    torch.topk/sort as PyTorch/XLA prints them)."""
    dim = op.attributes.int("dimension")
    if dim is None or len(op.operands) < 2:
        return None
    iotas = [i for i, v in enumerate(op.operands) if iota_dim(v) == dim]
    data = tuple(v for i, v in enumerate(op.operands) if i not in iotas)
    if not iotas or not data:
        return None
    return IndexReduction(op, "sort", dim, data, tuple(op.operands[i] for i in iotas))
