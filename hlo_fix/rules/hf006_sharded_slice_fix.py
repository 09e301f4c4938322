"""HF006: replicate the narrowed dims of a slice's operand, so the partitioner gathers them before slicing and no
backend has to localize the slice's global bounds.

- Shardy: `%hf0 = sdy.sharding_constraint %x <@mesh, [{?}, {}]>`: every narrowed dim closed and empty, the others
  open, so propagation keeps sharding them as before.
- GSPMD: `%hf0 = stablehlo.custom_call @Sharding(%x) {backend_config = "unspecified_dims=[0]", mhlo.sharding =
  "{replicated}"}`, the form `jax.lax.with_sharding_constraint(x, P(P.UNCONSTRAINED, None))` prints.

The constraint goes right before the slice, which then reads it; other users of the operand are unchanged. A
dynamic_slice's start along each narrowed dim is also clamped into `[0, size - kept]` first, as dynamic_slice clamps
it itself: XLA's partitioner clamps an out-of-range start per shard instead (openxla/xla#49122). Safe: a sharding
constraint changes where a value lives, never what it is, and the clamp changes no start's meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlo_fix.ir.tokens import tokenize
from hlo_fix.rule_api.pattern import RewritePattern
from hlo_fix.rules.narrowing import DYNAMIC_STARTS, narrowings, sliced_shards
from hlo_fix.sharding.analysis import analysis

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value


@dataclass(frozen=True)
class SliceMatch:
    op: "Op"
    operand: "Value"
    dims: tuple[int, ...]  # the dims to replicate: every dim the op narrows
    mesh: str | None  # Shardy mesh name; None for GSPMD


class ReplicateNarrowedDims(RewritePattern):
    def match(self, ctx, op) -> SliceMatch | None:
        flagged = ctx.cached("sliced-shard-ops", lambda: {id(hazard.op) for hazard in sliced_shards(ctx)})
        if id(op) not in flagged:
            return None
        operand = op.operands[0]
        if operand.type is None or _operand_positions(op) is None:
            return None
        dims = tuple(n.dim for n in narrowings(op))
        meshes = analysis(ctx).meshes
        if meshes:
            return SliceMatch(op, operand, dims, next(iter(meshes)))
        if "mhlo.sharding" in ctx.module.text:
            return SliceMatch(op, operand, dims, None)
        return None

    def applicability(self, match: SliceMatch, strategy: str) -> str:
        return "safe"

    def message(self, match: SliceMatch, strategy: str) -> str:
        dims = ", ".join(str(d) for d in match.dims)
        form = "`sdy.sharding_constraint`" if match.mesh is not None else "`custom_call @Sharding`"
        return f"Replicate dim {dims} of the operand before the {match.op.name.split('.')[-1]} ({form})"

    def rewrite(self, match: SliceMatch, rewriter, strategy: str) -> None:
        op, operand = match.op, match.operand
        for value in op.operands:  # the op is rewritten in place: what it reads stays alive
            rewriter.use(value)
        emitter = rewriter.emitter(op)
        renamed = {0: _constraint(emitter, rewriter.use(operand), match)}
        first = DYNAMIC_STARTS.get(op.name)
        if first is not None:
            # dynamic_slice and dynamic_update_slice clamp their start into [0, size - window]; doing it explicitly
            # changes nothing on one device and keeps XLA's partitioner from clamping per shard (openxla/xla#49122,
            # #49118).
            source = operand.type.shape
            window = (op.operands[1] if first == 2 else op.results[0]).type.shape
            for dim in match.dims:
                start = rewriter.use(op.operands[first + dim])
                low = emitter.constant("0", start.element_type)
                high = emitter.constant(str(source[dim] - window[dim]), start.element_type)
                renamed[first + dim] = emitter.clamp(low, start, high)
        text = op.text
        positions = _operand_positions(op)
        for index in sorted(renamed, reverse=True):
            at, name = positions[index], op.operands[index].name
            text = f"{text[:at]}{renamed[index].name}{text[at + len(name):]}"
        indent = rewriter.indent_of(op)
        rewriter.replace_text(op, "".join(f"{line}\n{indent}" for line in emitter.finish()) + text)


def _constraint(emitter, operand, match: SliceMatch):
    """The operand with the narrowed dims replicated and the others left to propagation. (The Emitter has no
    sharding ops of its own; `_op` emits one line.)"""
    rank = operand.type.rank
    if match.mesh is not None:
        dims = ", ".join("{}" if d in match.dims else "{?}" for d in range(rank))
        body = f"sdy.sharding_constraint {operand.name} <@{match.mesh}, [{dims}]> : {operand.type}"
    else:
        free = ",".join(str(d) for d in range(rank) if d not in match.dims)
        config = f"unspecified_dims=[{free}]" if free else ""
        body = (
            f'stablehlo.custom_call @Sharding({operand.name}) {{backend_config = "{config}", mhlo.sharding = '
            f'"{{replicated}}"}} : ({operand.type}) -> {operand.type}'
        )
    return emitter._op(body, operand.type)


def _operand_positions(op: "Op") -> list[int] | None:
    """Offsets in the op's text of its operands' names, in order (the pretty and the generic form list them
    first, right after the op's name); None when the text does not read that way."""
    tokens = tokenize(op.text, strict=False)
    after_name = next((i for i, t in enumerate(tokens) if t.value in (op.name, f'"{op.name}"')), None)
    if after_name is None:
        return None
    refs = [t for t in tokens[after_name + 1 :] if t.type == "VALUE_REF"][: len(op.operands)]
    if [t.value for t in refs] != [v.name for v in op.operands]:
        return None
    return [t.start for t in refs]
