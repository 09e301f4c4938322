"""HF001: mark a sharded iota replicated, so the partitioner slices each shard's true range out of the whole
iota instead of a backend counting from 0 on every shard.

- Shardy: `{sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{}, ...]>]>}` on the iota (one closed `{}` per dim).
- GSPMD: the iota gets a fresh name and a `stablehlo.custom_call @Sharding` with `mhlo.sharding = "{replicated}"`
  takes over its old name right after it, so its users need no change.

Safe: a sharding annotation changes where values live, never what they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlo_fix.ir.tokens import tokenize
from hlo_fix.rewrite.rewriter import location_of
from hlo_fix.rule_api.pattern import RewritePattern
from hlo_fix.sharding.analysis import analysis

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op


@dataclass
class IotaMatch:
    op: "Op"
    mesh: str | None  # Shardy mesh name; None for GSPMD


class ReplicateIota(RewritePattern):
    """Also HF009's rewrite for a constant (`op_name` and `noun` are what differ)."""

    op_name = "stablehlo.iota"
    noun = "iota"

    def match(self, ctx, op) -> IotaMatch | None:
        if op.name != self.op_name or len(op.results) != 1 or op.results[0].type is None:
            return None
        attributes = op.attributes
        if "sdy.sharding" in attributes or "mhlo.sharding" in attributes or annotated_replicated(op):
            return None  # already annotated: not ours to override, nor to annotate twice
        meshes = analysis(ctx).meshes
        if meshes:
            return IotaMatch(op, next(iter(meshes)))
        if "mhlo.sharding" in ctx.module.text:
            return IotaMatch(op, None)
        return None

    def applicability(self, match: IotaMatch, strategy: str) -> str:
        return "safe"

    def message(self, match: IotaMatch, strategy: str) -> str:
        if match.mesh is not None:
            return f"Mark the {self.noun} replicated (`sdy.sharding` with no axes)"
        return f'Mark the {self.noun} replicated (`custom_call @Sharding` with `mhlo.sharding = "{{replicated}}"`)'

    def rewrite(self, match: IotaMatch, rewriter, strategy: str) -> None:
        op = match.op
        if match.mesh is not None:
            dims = ", ".join("{}" for _ in op.results[0].type.shape)
            sharding = f"sdy.sharding = #sdy.sharding_per_value<[<@{match.mesh}, [{dims}]>]>"
            rewriter.replace_text(op, with_attribute(op.text, sharding))
            return
        value = op.results[0]
        fresh = rewriter.names.fresh()
        head, _, body = op.text.partition("=")
        location = location_of(op)
        suffix = f" {location}" if location else ""
        annotation = (
            f'{value.name} = stablehlo.custom_call @Sharding({fresh}) {{mhlo.sharding = "{{replicated}}"}} '
            f": ({value.type}) -> {value.type}{suffix}"
        )
        rewriter.replace_text(op, f"{fresh} ={body}\n{rewriter.indent_of(op)}{annotation}")


def annotated_replicated(op: "Op") -> bool:
    """The value's only user is a `custom_call @Sharding` that replicates it (this fix's GSPMD form)."""
    users = op.results[0].users
    return (
        len(users) == 1
        and users[0].name == "stablehlo.custom_call"
        and users[0].attributes.symbol() == "Sharding"
        and "{replicated}" in (users[0].attributes.get("mhlo.sharding") or "")
    )


def with_attribute(text: str, entry: str) -> str:
    """The op text with `entry` added to its attribute dictionary (created before the signature's `:`)."""
    tokens = tokenize(text, strict=False)
    base = tokens[0].depth if tokens else 0
    for tok in tokens:
        if tok.depth == base and tok.type == "LBRACE":
            return f"{text[: tok.end]}{entry}, {text[tok.end :]}"
    colon = max(i for i, tok in enumerate(tokens) if tok.depth == base and tok.type == "COLON")
    at = tokens[colon].start
    return f"{text[:at].rstrip()} {{{entry}}} {text[at:]}"
