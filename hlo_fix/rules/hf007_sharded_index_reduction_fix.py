"""HF007: replicate the dim an argmax, top_k or argsort reduces, so every device sees the whole dim and the
indices it returns are global.

Before the op, each data operand whose reduced dim is sharded goes through a constraint under a fresh name, and
the op reads that name instead:

- Shardy: `%c = sdy.sharding_constraint %x <@mesh, [{?}, {}]> : T`, the reduced dim closed and empty, the others
  open (the partitioner keeps their sharding, e.g. the batch's);
- GSPMD: `%c = stablehlo.custom_call @Sharding(%x) {backend_config = "unspecified_dims=[0]", mhlo.sharding =
  "{replicated}"} : (T) -> T`, the form `jax.lax.with_sharding_constraint(x, P(P.UNCONSTRAINED, None))` prints:
  the reduced dim replicated, the others left to propagation (as HF006's fix does).

Safe: a sharding annotation changes where values live, never what they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlo_fix.rule_api import RewritePattern
from hlo_fix.rewrite.rewriter import location_of
from hlo_fix.ir.tokens import tokenize
from hlo_fix.rules.index_reductions import decomposition_functions, describe
from hlo_fix.sharding.analysis import analysis
from hlo_fix.sharding.annotations import forwarded

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value


@dataclass
class ReducedDimMatch:
    op: "Op"
    dim: int
    operands: tuple["Value", ...]  # the data operands whose `dim` is sharded, in operand order
    mesh: str | None  # Shardy mesh name; None for GSPMD


class ReplicateReducedDim(RewritePattern):
    # The match asks the sharding of the op's operands, which depends on the whole module.
    shared_by_structure = False

    def match(self, ctx, op) -> ReducedDimMatch | None:
        reduction = describe(op, ctx.cached("composite-decompositions", lambda: decomposition_functions(ctx.module)))
        if reduction is None:
            return None
        sharding = analysis(ctx)
        # Payload iotas only where a constraint of their own shards them (explicit-mesh JAX); otherwise they
        # follow the data operands' new sharding.
        candidates = (*reduction.data, *(v for v in reduction.payloads if forwarded(v) is not None))
        sharded = tuple(v for v in candidates if sharding.dim(v, reduction.dim).sharded)
        if not sharded or any(v.type is None or v.owner is None for v in sharded):
            return None
        if sharding.meshes:
            return ReducedDimMatch(op, reduction.dim, sharded, next(iter(sharding.meshes)))
        if "mhlo.sharding" in ctx.module.text:
            return ReducedDimMatch(op, reduction.dim, sharded, None)
        return None

    def applicability(self, match: ReducedDimMatch, strategy: str) -> str:
        return "safe"

    def message(self, match: ReducedDimMatch, strategy: str) -> str:
        if match.mesh is not None:
            return f"Replicate dim {match.dim} before the op (`sdy.sharding_constraint`, that dim `{{}}`)"
        return (
            f"Replicate dim {match.dim} before the op (`custom_call @Sharding`, `{{replicated}}` with the other dims "
            f"unspecified)"
        )

    def rewrite(self, match: ReducedDimMatch, rewriter, strategy: str) -> None:
        op = match.op
        location = location_of(op)
        suffix = f" {location}" if location else ""
        renames: dict[str, str] = {}
        lines = []
        for value in match.operands:
            fresh = rewriter.names.fresh()
            renames[value.name] = fresh
            lines.append(f"{fresh} = {_constraint(value, match)}{suffix}")
        for value in op.operands:
            rewriter.use(value)  # the op keeps reading its other operands, and the constraints read these
        rewriter.edits.insert(op, lines)
        rewriter.replace_text(op, _with_operands_renamed(op, renames))


def _constraint(value: "Value", match: ReducedDimMatch) -> str:
    rank = value.type.rank
    if match.mesh is not None:
        dims = ", ".join("{}" if d == match.dim else "{?}" for d in range(rank))
        return f"sdy.sharding_constraint {value.name} <@{match.mesh}, [{dims}]> : {value.type}"
    free = ",".join(str(d) for d in range(rank) if d != match.dim)
    config = f"unspecified_dims=[{free}]" if free else ""
    return (
        f'stablehlo.custom_call @Sharding({value.name}) {{backend_config = "{config}", mhlo.sharding = '
        f'"{{replicated}}"}} : ({value.type}) -> {value.type}'
    )


def _with_operands_renamed(op: "Op", renames: dict[str, str]) -> str:
    """The op's text with each use of a renamed value outside its regions (the operand list) renamed; the
    results, left of `=`, are not uses."""
    text = op.module.text
    pieces: list[str] = []
    cursor = op.start
    for number, (start, end) in enumerate(op.segments):
        pieces.append(text[cursor:start])
        segment = text[start:end]
        tokens = tokenize(segment, strict=False)
        skip = 0
        if number == 0:
            equal = next((i for i, t in enumerate(tokens) if t.type == "EQUAL" and t.depth == tokens[0].depth), -1)
            skip = equal + 1
        out, at = [], 0
        for tok in tokens[skip:]:
            if tok.type == "VALUE_REF" and tok.value in renames:
                out.append(segment[at : tok.start])
                out.append(renames[tok.value])
                at = tok.end
        out.append(segment[at:])
        pieces.append("".join(out))
        cursor = end
    pieces.append(text[cursor : op.end])
    return "".join(pieces)
