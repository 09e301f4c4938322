"""The simulation's result: per output and per device PCC, max abs error and mismatches, the first op that
differs, the failures that changed something; as text, as JSON (the shape `--output-format json` prints), and
two reports side by side (original and fixed)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ShardResult:
    shard: dict
    pcc: float
    max_abs_err: float
    mismatches: int

    @property
    def exact(self) -> bool:
        return self.mismatches == 0

    def to_json(self) -> dict:
        return {"shard": dict(self.shard), "pcc": self.pcc, "max_abs_err": self.max_abs_err,
                "mismatches": self.mismatches}


@dataclass(frozen=True)
class OutputResult:
    index: int
    shards: tuple[ShardResult, ...]

    def to_json(self) -> dict:
        return {"index": self.index, "shards": [s.to_json() for s in self.shards]}


@dataclass(frozen=True)
class Divergence:
    line: int
    column: int
    op: str
    source: dict | None = None

    def to_json(self) -> dict:
        return {"line": self.line, "column": self.column, "op": self.op, "source": self.source}


@dataclass(frozen=True)
class SimulationReport:
    module: str
    mesh: dict
    outputs: tuple[OutputResult, ...]
    first_divergence: Divergence | None
    modelled: tuple[str, ...]
    index_float: str = "bf16"
    seeds: int = 1
    notes: tuple[str, ...] = field(default=())

    @property
    def exact(self) -> bool:
        return all(s.exact for o in self.outputs for s in o.shards)

    @property
    def exit_code(self) -> int:
        return 0 if self.exact else 1

    def to_json(self) -> dict:
        return {
            "module": self.module,
            "mesh": dict(self.mesh),
            "outputs": [o.to_json() for o in self.outputs],
            "first_divergence": self.first_divergence.to_json() if self.first_divergence else None,
            "modelled": list(self.modelled),
        }

    def to_text(self) -> str:
        lines = [self._title()]
        lines.append(f"{'output':<8}{'shard':<24}{'PCC':>10}{'max abs err':>14}{'mismatches':>12}")
        for output in self.outputs:
            for shard in output.shards:
                lines.append(
                    f"{output.index:<8}{shard_label(shard.shard):<24}{format_pcc(shard.pcc):>10}"
                    f"{shard.max_abs_err:>14.6g}{shard.mismatches:>12}"
                )
        lines.extend(self._footer())
        return "\n".join(lines)

    def _title(self) -> str:
        mesh = ", ".join(f"{a}={n}" for a, n in self.mesh.items()) or "1 device (nothing is split)"
        seeds = f"{self.seeds} seed{'s' if self.seeds != 1 else ''}"
        return f"{self.module}: simulated on {mesh} (index float {self.index_float}, {seeds})"

    def _footer(self) -> list[str]:
        lines = []
        if self.first_divergence is None:
            lines.append("first divergence: none")
        else:
            lines.append(f"first divergence: {divergence_label(self.module, self.first_divergence)}")
        lines.append(f"modelled: {', '.join(self.modelled) if self.modelled else 'nothing changed'}")
        lines.extend(f"note: {note}" for note in self.notes)
        verdict = "every shard of every output is exact" if self.exact else "some shards differ from the reference"
        lines.append(verdict)
        return lines


def shard_label(shard: dict) -> str:
    return ",".join(f"{a}={c}" for a, c in shard.items()) or "all"


def format_pcc(pcc: float) -> str:
    return f"{pcc:.6f}"


def divergence_label(module: str, divergence: Divergence) -> str:
    where = f"{module}:{divergence.line}:{divergence.column}: {divergence.op}"
    if divergence.source:
        where += f" (source: {divergence.source['file']}:{divergence.source['line']})"
    return where


def side_by_side(before: SimulationReport, after: SimulationReport) -> str:
    """The original's and the fixed module's per-shard numbers in one table."""
    lines = [f"original: {before._title()}", f"fixed:    {after._title()}"]
    lines.append(f"{'output':<8}{'shard':<24}{'original PCC':>14}{'mismatches':>12}{'fixed PCC':>12}{'mismatches':>12}")
    fixed = {(o.index, shard_label(s.shard)): s for o in after.outputs for s in o.shards}
    for output in before.outputs:
        for shard in output.shards:
            other = fixed.get((output.index, shard_label(shard.shard)))
            right = (f"{format_pcc(other.pcc):>12}{other.mismatches:>12}" if other else f"{'-':>12}{'-':>12}")
            lines.append(
                f"{output.index:<8}{shard_label(shard.shard):<24}{format_pcc(shard.pcc):>14}{shard.mismatches:>12}"
                + right
            )
    for label, report in (("original", before), ("fixed", after)):
        where = divergence_label(report.module, report.first_divergence) if report.first_divergence else "none"
        lines.append(f"{label} first divergence: {where}")
    return "\n".join(lines)
